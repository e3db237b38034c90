export const CLASSIFICATIONS = ['normal', 'sensitive', 'secret', 'top_secret'] as const;
/** thường / nhạy cảm / mật / tối mật. */
export type Classification = (typeof CLASSIFICATIONS)[number];
export const DATASET_STATUSES = ['draft', 'published', 'retired'] as const;
type DatasetStatus = (typeof DATASET_STATUSES)[number];
export const MODES = ['hosted', 'proxy'] as const;
export const AUDIENCES = ['political_system', 'central_offices'] as const;
export const FREQUENCIES = ['realtime', 'on_change', 'daily', 'weekly', 'monthly', 'quarterly', 'yearly'] as const;
export const FIELD_TYPES = ['string', 'integer', 'number', 'boolean', 'date', 'datetime', 'code'] as const;
/** Personal-data categories of the Personal Data Protection Law 2025 / Decree 13/2023: none, basic, sensitive. */
export const PERSONAL_CATEGORIES = ['none', 'basic', 'sensitive'] as const;
export const VALUE_FORMATS = ['cccd', 'phone_vn', 'email', 'url'] as const;
/**
 * How the gateway shows a personal field the consumer's grant does not cover: `last4` keeps the
 * last 4 characters (citizen ID 0010…1234 → ********1234), `initials` keeps each word's first
 * letter, `year` keeps a date's year. A personal field without a mask is dropped instead.
 */
export const MASKS = ['last4', 'initials', 'year'] as const;
export type Mask = (typeof MASKS)[number];
type FieldType = (typeof FIELD_TYPES)[number];
type Personal = (typeof PERSONAL_CATEGORIES)[number];
export type ValueFormat = (typeof VALUE_FORMATS)[number];

/** A dataset field: its own definition, or a reference to a dictionary entry (`dictionary`). */
export interface SharedField {
  name: string;
  dictionary?: string | undefined;
  type?: FieldType | undefined;
  label_vi?: string | undefined;
  label_en?: string | undefined;
  personal?: Personal | undefined;
  required: boolean;
  format?: ValueFormat | undefined;
  max_length?: number | undefined;
  code_list?: string | undefined;
  /** Only items whose `level` attribute matches (e.g. `commune` in the administrative-unit list). */
  code_list_level?: string | undefined;
  /** The item's parent must equal this field's value in the same record (a commune within its province). */
  parent_field?: string | undefined;
  mask?: Mask | undefined;
}

/** A field with its dictionary entry applied: everything validation and shaping need. */
export interface ResolvedField {
  name: string;
  source: 'dictionary' | 'dataset';
  dictionary: string | null;
  type: FieldType;
  label_vi: string;
  label_en: string;
  personal: Personal;
  required: boolean;
  format: ValueFormat | null;
  max_length: number | null;
  code_list: string | null;
  code_list_level: string | null;
  parent_field: string | null;
  mask: Mask | null;
}

/** the custodian publishes which fields are shared, how often, in what format. */
export interface SharingSpec {
  fields: SharedField[];
  frequency: (typeof FREQUENCIES)[number];
  format: string;
  /** The field holding a record's effective date; code lists are checked as in force on that date. */
  effective_date_field?: string | undefined;
  /** R-17.1 "where needed": the sharing log keeps the delivered content itself, not only its SHA-256. */
  log_content?: boolean | undefined;
}

export interface DictionaryEntry {
  name: string;
  label_vi: string;
  label_en: string;
  description_vi: string | null;
  description_en: string | null;
  type: FieldType;
  format: ValueFormat | null;
  max_length: number | null;
  personal: Personal;
  code_list: string | null;
  code_list_level: string | null;
  parent_field: string | null;
  status: 'active' | 'retired';
  version: number;
  created_at: Date;
  updated_at: Date;
}

export type DictionaryInput = Omit<
  DictionaryEntry,
  | 'status'
  | 'version'
  | 'created_at'
  | 'updated_at'
  | 'description_vi'
  | 'description_en'
  | 'format'
  | 'max_length'
  | 'code_list'
  | 'code_list_level'
  | 'parent_field'
> &
  Partial<Pick<DictionaryEntry, 'description_vi' | 'description_en' | 'format' | 'max_length' | 'code_list' | 'code_list_level' | 'parent_field'>>;

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
