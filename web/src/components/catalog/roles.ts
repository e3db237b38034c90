import { agencyCodeOf, useSession } from '../../auth/session.tsx';

/** Route of the new-dataset page: "_new" is no dataset code (codes start with a letter or a digit). */
export const NEW_DATASET_PATH = '/catalog/_new';

/**
 * Who may change what in the catalog, as the API decides it (the console only hides what would
 * be refused), a dataset is changed by its custodian's administrators or the coordinator;
 * the dictionary and the code lists by the coordinator only.
 */
export function useCatalogRoles() {
  const { session } = useSession();
  const user = session!.user;
  const agency = agencyCodeOf(user);
  const coordinator = user.roles.includes('coordinator');
  const custodianAdmin = user.roles.includes('custodian_admin');
  return {
    agency,
    coordinator,
    /** May create a dataset (for its own agency, or any agency for the coordinator). */
    mayCreateDataset: coordinator || custodianAdmin,
    /** May edit the dataset. */
    administers: (custodian: string) => coordinator || (custodianAdmin && agency === custodian),
    /** Is the custodian's administrator: reads and writes its hosted records (R-4.1: not even the coordinator does). */
    custodianOf: (custodian: string) => custodianAdmin && agency === custodian,
  };
}
