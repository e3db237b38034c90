export const CLASSIFICATIONS = ['normal', 'sensitive', 'secret', 'top_secret'] as const;
/** thường / nhạy cảm / mật / tối mật. */
export type Classification = (typeof CLASSIFICATIONS)[number];
export const DATASET_STATUSES = ['draft', 'published', 'retired'] as const;
export type DatasetStatus = (typeof DATASET_STATUSES)[number];
export const MODES = ['hosted', 'proxy'] as const;
export const AUDIENCES = ['political_system', 'central_offices'] as const;
export const FREQUENCIES = ['realtime', 'on_change', 'daily', 'weekly', 'monthly', 'quarterly', 'yearly'] as const;
export const FIELD_TYPES = ['string', 'integer', 'number', 'boolean', 'date', 'datetime', 'code'] as const;
export const PERSONAL_CATEGORIES = ['none', 'basic', 'sensitive'] as const;

export interface SharedField {
  name: string;
  type: (typeof FIELD_TYPES)[number];
  label_vi: string;
  label_en: string;
  personal: (typeof PERSONAL_CATEGORIES)[number];
  required: boolean;
  code_list?: string | undefined;
}

/** the custodian publishes which fields are shared, how often, in what format. */
export interface SharingSpec {
  fields: SharedField[];
  frequency: (typeof FREQUENCIES)[number];
  format: string;
}

export interface Domain {
  code: string;
  number: number | null;
  name_vi: string;
  name_en: string;
  source: 'appendix' | 'article-10' | 'custom';
  dataset_count: number;
}

export interface Dataset {
  code: string;
  name_vi: string;
  name_en: string;
  description_vi: string | null;
  description_en: string | null;
  domain_code: string;
  custodian_code: string;
  custodian_text: string | null;
  audience: (typeof AUDIENCES)[number];
  classification: Classification;
  personal_data: boolean;
  auth_required: boolean;
  sharing_spec: SharingSpec;
  mode: (typeof MODES)[number];
  status: DatasetStatus;
  legal_basis: string | null;
  last_reviewed_on: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export interface DatasetInput {
  code: string;
  name_vi: string;
  name_en: string;
  description_vi?: string | null | undefined;
  description_en?: string | null | undefined;
  domain_code: string;
  custodian_code: string;
  custodian_text?: string | null | undefined;
  audience?: Dataset['audience'] | undefined;
  classification: Classification;
  personal_data: boolean;
  auth_required?: boolean | undefined;
  sharing_spec: SharingSpec;
  mode?: Dataset['mode'] | undefined;
  status?: DatasetStatus | undefined;
  legal_basis?: string | null | undefined;
  last_reviewed_on?: string | null | undefined;
}

export type DatasetPatch = Partial<Omit<DatasetInput, 'code'>>;

export interface DatasetFilter {
  domain?: string | undefined;
  custodian?: string | undefined;
  classification?: string | undefined;
  status?: string | undefined;
  audience?: string | undefined;
  q?: string | undefined;
  limit: number;
  offset: number;
}
