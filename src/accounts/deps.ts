import type { DatasetService } from '../catalog/index.ts';
import type { CryptoProvider } from '../core/crypto.ts';
import { Problem } from '../core/errors.ts';
import type { Invalidations } from '../core/invalidations.ts';
import type { AgencyService } from '../registry/index.ts';
import type { InformationSystem, SystemService } from '../registry/index.ts';

/** What the agreements module answers: the datasets a consumer system holds an active grant for, now. */
interface GrantSource {
  datasetsFor(systemCode: string): Promise<string[]>;
}

/** The services accounts use; other modules' tables are never read directly. */
export interface AccountDeps {
  systems: Pick<SystemService, 'get' | 'byCode'>;
  agencies: Pick<AgencyService, 'requireExisting'>;
  datasets: Pick<DatasetService, 'list'>;
  crypto: CryptoProvider;
  /** OAuth issuer (RFC 8414), e.g. https://lienthong.example; the token endpoint is `${issuer}/oauth/token`. */
  issuer: string;
  accessTokenTtlSeconds?: number | undefined;
  grants: GrantSource;
  /** Revocations announced to the other instances (core/invalidations.ts). */
  invalidations?: Invalidations | undefined;
}

/** A system by code, without authorisation (the token endpoint and delegated issuance act for no official's agency). */
export async function findSystem(deps: AccountDeps, code: string): Promise<InformationSystem | null> {
  try {
    return await deps.systems.byCode(code);
  } catch (err) {
    if (err instanceof Problem && err.status === 404) return null;
    throw err;
  }
}

/** Codes of the datasets `custodian` is custodian of, for delegation restrictions. */
export async function datasetsOf(deps: AccountDeps, custodian: string): Promise<string[]> {
  const out: string[] = [];
  for (let offset = 0; ; offset += 200) {
    const page = await deps.datasets.list({ custodian, limit: 200, offset });
    out.push(...page.items.map((d) => d.code));
    if (page.items.length < 200) return out;
  }
}
