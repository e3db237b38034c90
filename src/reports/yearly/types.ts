import type { YearlyContent } from './content.ts';

/** What the yearly report's service returns and takes. */

export type Format = 'xlsx' | 'pdf';

export interface Submission {
  id: string;
  custodian_code: string;
  year: number;
  version: number;
  document_number: string;
  submitted_by: string;
  submitted_at: Date;
  reason: string | null;
  late: boolean;
  signer_name: string;
  signer_title: string;
  basis: YearlyContent['basis'];
  xlsx_sha256: string;
  pdf_sha256: string;
  log_entry_id: string;
  log_leaf_hash: string;
}

export interface SubmitInput {
  signer_title: string;
  document_number?: string | undefined;
  reason?: string | undefined;
}

export type OverviewStatus = 'submitted' | 'submitted_late' | 'pending' | 'overdue';

export interface OverviewRow {
  custodian_code: string;
  name_vi: string;
  name_en: string;
  status: OverviewStatus;
  versions: number;
  latest: Omit<Submission, 'basis'> | null;
  reminded_at: Date | null;
  flagged_late_at: Date | null;
}

