import dayjs, { type Dayjs } from 'dayjs';
import type { paths } from '../../api/schema.d.ts';

export type DatasetBody = paths['/api/v1/datasets']['post']['requestBody']['content']['application/json'];
export type DatasetPatchBody = NonNullable<paths['/api/v1/datasets/{code}']['patch']['requestBody']>['content']['application/json'];
export type Dataset = paths['/api/v1/datasets/{code}']['get']['responses'][200]['content']['application/json'];
type SpecField = DatasetBody['sharing_spec']['fields'][number];

/** One row of the fields editor: a dictionary reference, or the field's own definition. */
export type FieldRow = Omit<SpecField, 'max_length'> & { max_length?: number | null };

/** What the dataset form holds: the API's body, the sharing specification's parts flattened, the review date as a picker value. */
export interface DatasetValues {
  code: string;
  name_vi: string;
  name_en: string;
  description_vi?: string | null;
  description_en?: string | null;
  domain_code: string;
  custodian_code: string;
  custodian_text?: string | null;
  audience: NonNullable<DatasetBody['audience']>;
  classification: DatasetBody['classification'];
  personal_data: boolean;
  auth_required: boolean;
  mode: NonNullable<DatasetBody['mode']>;
  status: NonNullable<DatasetBody['status']>;
  legal_basis?: string | null;
  last_reviewed_on?: Dayjs | null;
  frequency: DatasetBody['sharing_spec']['frequency'];
  format: string;
  effective_date_field?: string | null;
  log_content: boolean;
  fields: FieldRow[];
}

export const NEW_DATASET: Partial<DatasetValues> = {
  audience: 'political_system',
  classification: 'normal',
  personal_data: false,
  auth_required: true,
  mode: 'hosted',
  status: 'draft',
  frequency: 'daily',
  format: 'application/json',
  log_content: false,
  fields: [{ name: '', required: true }],
};

/** Empty text is "none" to the API (its texts are at least one character). */
const text = (v: string | null | undefined): string | null => (v?.trim() ? v.trim() : null);

/** A field as the API takes it: a dictionary reference keeps only what a dataset may add to it. */
function toField(f: FieldRow): SpecField {
  const own = f.dictionary
    ? {}
    : {
        type: f.type,
        label_vi: text(f.label_vi) ?? undefined,
        label_en: text(f.label_en) ?? undefined,
        personal: f.personal,
        format: f.format ?? undefined,
        max_length: f.max_length ?? undefined,
        code_list: f.type === 'code' ? (f.code_list ?? undefined) : undefined,
        code_list_level: text(f.code_list_level) ?? undefined,
        parent_field: text(f.parent_field) ?? undefined,
      };
  const field: SpecField = {
    name: f.name.trim(),
    required: !!f.required,
    ...(f.dictionary && { dictionary: f.dictionary }),
    ...own,
    ...(f.mask && { mask: f.mask }),
  };
  return Object.fromEntries(Object.entries(field).filter(([, v]) => v !== undefined && v !== null)) as SpecField;
}

export function toBody(v: DatasetValues): DatasetBody {
  return {
    code: v.code.trim(),
    name_vi: v.name_vi.trim(),
    name_en: v.name_en.trim(),
    description_vi: text(v.description_vi),
    description_en: text(v.description_en),
    domain_code: v.domain_code,
    custodian_code: v.custodian_code,
    custodian_text: text(v.custodian_text),
    audience: v.audience,
    classification: v.classification,
    personal_data: v.personal_data,
    auth_required: v.auth_required,
    mode: v.mode,
    status: v.status,
    legal_basis: text(v.legal_basis),
    last_reviewed_on: v.last_reviewed_on ? v.last_reviewed_on.format('YYYY-MM-DD') : null,
    sharing_spec: {
      fields: (v.fields ?? []).map(toField),
      frequency: v.frequency,
      format: v.format.trim(),
      ...(v.effective_date_field && { effective_date_field: v.effective_date_field }),
      log_content: v.log_content,
    },
  };
}

/** The edit's body: everything but the code (the API refuses to change it). */
export function toPatch(v: DatasetValues): DatasetPatchBody {
  const { code: _code, ...rest } = toBody(v);
  return rest;
}

export function fromDataset(d: Dataset): DatasetValues {
  return {
    code: d.code,
    name_vi: d.name_vi,
    name_en: d.name_en,
    description_vi: d.description_vi,
    description_en: d.description_en,
    domain_code: d.domain_code,
    custodian_code: d.custodian_code,
    custodian_text: d.custodian_text,
    audience: d.audience as DatasetValues['audience'],
    classification: d.classification as DatasetValues['classification'],
    personal_data: d.personal_data,
    auth_required: d.auth_required,
    mode: d.mode as DatasetValues['mode'],
    status: d.status as DatasetValues['status'],
    legal_basis: d.legal_basis,
    last_reviewed_on: d.last_reviewed_on ? dayjs(d.last_reviewed_on) : null,
    frequency: d.sharing_spec.frequency,
    format: d.sharing_spec.format,
    effective_date_field: d.sharing_spec.effective_date_field ?? null,
    log_content: !!d.sharing_spec.log_content,
    fields: d.sharing_spec.fields,
  };
}
