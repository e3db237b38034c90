export const FORMS = ['api', 'sync', 'push', 'direct'] as const;
type Form = (typeof FORMS)[number];
export const KINDS = ['standard', 'art_9_2'] as const;
type AgreementKind = (typeof KINDS)[number];
export const STATUSES = [
  'submitted',
  'changes_requested',
  'custodian_approved',
  'active',
  'rejected',
  'revoked',
  'withdrawn',
  'expired',
  'suspended',
  'terminated',
] as const;
export type AgreementStatus = (typeof STATUSES)[number];
/** What a reader sees: `active` split by the validity window (an agreement expires by itself, R-16.1d). */
export type EffectiveStatus = AgreementStatus | 'scheduled';

export interface Agreement {
  id: string;
  kind: AgreementKind;
  dataset_code: string;
  custodian_code: string;
  consumer_code: string;
  system_code: string;
  purpose_code: string;
  purpose_text: string;
  legal_basis: string;
  requested_fields: string[];
  granted_fields: string[] | null;
  forms: Form[];
  frequency: string;
  valid_from: string;
  valid_to: string;
  status: AgreementStatus;
  second_approval_required: boolean;
  custodian_approved_by: string | null;
  version: number;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

export interface AgreementEvent {
  action: string;
  from_status: string | null;
  to_status: string;
  actor: string;
  actor_agency: string | null;
  at: Date;
  reason: string | null;
  details: Record<string, unknown>;
}

export interface RequestInput {
  kind?: AgreementKind | undefined;
  dataset_code: string;
  system_code: string;
  purpose_code: string;
  purpose_text: string;
  legal_basis: string;
  requested_fields: string[];
  forms: Form[];
  frequency: string;
  valid_from: string;
  valid_to: string;
}

export type Amendment = Partial<Omit<RequestInput, 'dataset_code' | 'system_code' | 'kind'>>;

export interface ApprovalInput {
  granted_fields?: string[] | undefined;
  valid_to?: string | undefined;
  reason?: string | undefined;
}

export interface AgreementFilter {
  status?: string | undefined;
  dataset?: string | undefined;
  system?: string | undefined;
  consumer?: string | undefined;
  custodian?: string | undefined;
  kind?: string | undefined;
  limit: number;
  offset: number;
}
