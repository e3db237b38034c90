import { Type } from 'typebox';
import { NullableString, Timestamp, VietnamDate, VietnamDateOut } from '../http/schemas.ts';
import { AgencyCode } from '../registry/index.ts';
import { AUDIENCES, CLASSIFICATIONS, DATASET_STATUSES, FIELD_TYPES, FREQUENCIES, MASKS, MODES, PERSONAL_CATEGORIES, VALUE_FORMATS } from './types.ts';

/** A string enum that keeps its literal type for handlers and its `enum` list for OpenAPI. */
const oneOf = <T extends readonly string[]>(values: T, description?: string) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...(description && { description }) });

const DatasetCode = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{1,63}$', description: 'Mã bộ dữ liệu, ví dụ to-chuc-dang / Dataset code, e.g. to-chuc-dang' });
export const DomainCode = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{1,63}$' });
export const Classification = oneOf(CLASSIFICATIONS, 'R-4.6: thường / nhạy cảm / mật / tối mật');

const LastReviewed = 'Ngày rà soát gần nhất / Date last reviewed';

const FieldName = Type.String({ pattern: '^[a-z][a-z0-9_]{0,62}$' });
const ListRef = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{1,63}$' });

const SharedField = Type.Object(
  {
    name: FieldName,
    dictionary: Type.Optional(
      Type.String({ pattern: '^[a-z][a-z0-9_]{0,62}$', description: 'Use this data-dictionary entry (type, format, code list, personal category)' }),
    ),
    type: Type.Optional(oneOf(FIELD_TYPES)),
    label_vi: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    label_en: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    personal: Type.Optional(oneOf(PERSONAL_CATEGORIES, 'Personal-data category')),
    required: Type.Boolean(),
    format: Type.Optional(oneOf(VALUE_FORMATS)),
    max_length: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
    code_list: Type.Optional(ListRef),
    code_list_level: Type.Optional(Type.String({ maxLength: 40 })),
    parent_field: Type.Optional(FieldName),
    mask: Type.Optional(oneOf(MASKS, 'How the gateway masks this personal field when a grant does not cover it; without a mask it is dropped')),
  },
  { additionalProperties: false },
);

const SharingSpec = Type.Object(
  {
    fields: Type.Array(SharedField, { maxItems: 500 }),
    frequency: oneOf(FREQUENCIES),
    format: Type.String({ minLength: 1, maxLength: 100, description: 'Media type, e.g. application/json' }),
    effective_date_field: Type.Optional(
      Type.String({
        pattern: '^[a-z][a-z0-9_]{0,62}$',
        description:
          'Trường kiểu "date" (ngày theo lịch Việt Nam) mà mã danh mục của bản ghi được đối chiếu theo / The "date" field (a Viet Nam calendar date) a record\'s codes are checked on',
      }),
    ),
    log_content: Type.Optional(Type.Boolean({ description: 'R-17.1: the sharing log keeps the delivered content, not only its SHA-256' })),
  },
  { additionalProperties: false, description: 'R-18.1: fields, frequency and format the custodian shares' },
);

const NullableStr = () => Type.Union([Type.String(), Type.Null()]);

export const ResolvedField = Type.Object({
  name: Type.String(),
  source: Type.String(),
  dictionary: NullableStr(),
  type: Type.String(),
  label_vi: Type.String(),
  label_en: Type.String(),
  personal: Type.String(),
  required: Type.Boolean(),
  format: NullableStr(),
  max_length: Type.Union([Type.Integer(), Type.Null()]),
  code_list: NullableStr(),
  code_list_level: NullableStr(),
  parent_field: NullableStr(),
  mask: NullableStr(),
});

export const DictionaryEntry = Type.Object({
  name: Type.String(),
  label_vi: Type.String(),
  label_en: Type.String(),
  description_vi: NullableStr(),
  description_en: NullableStr(),
  type: Type.String(),
  format: NullableStr(),
  max_length: Type.Union([Type.Integer(), Type.Null()]),
  personal: Type.String(),
  code_list: NullableStr(),
  code_list_level: NullableStr(),
  parent_field: NullableStr(),
  status: Type.String(),
  version: Type.Integer(),
  created_at: Timestamp,
  updated_at: Timestamp,
});

const dictionaryEditable = {
  label_vi: Type.String({ minLength: 1, maxLength: 200 }),
  label_en: Type.String({ minLength: 1, maxLength: 200 }),
  description_vi: Type.Optional(Type.Union([Type.String({ maxLength: 2000 }), Type.Null()])),
  description_en: Type.Optional(Type.Union([Type.String({ maxLength: 2000 }), Type.Null()])),
  type: oneOf(FIELD_TYPES),
  format: Type.Optional(Type.Union([oneOf(VALUE_FORMATS), Type.Null()])),
  max_length: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 1_000_000 }), Type.Null()])),
  personal: oneOf(PERSONAL_CATEGORIES),
  code_list: Type.Optional(Type.Union([ListRef, Type.Null()])),
  code_list_level: Type.Optional(Type.Union([Type.String({ maxLength: 40 }), Type.Null()])),
  parent_field: Type.Optional(Type.Union([FieldName, Type.Null()])),
};
export const DictionaryCreate = Type.Object({ name: FieldName, ...dictionaryEditable }, { additionalProperties: false });
export const DictionaryPatch = Type.Partial(Type.Object({ ...dictionaryEditable, status: Type.Union([Type.Literal('active'), Type.Literal('retired')]) }), {
  additionalProperties: false,
  minProperties: 1,
});

export const ValidateBody = Type.Object(
  {
    records: Type.Optional(Type.Array(Type.Unknown(), { minItems: 1, maxItems: 10_000 })),
    record: Type.Optional(Type.Unknown()),
    on: Type.Optional(
      VietnamDate(
        'Ngày đối chiếu danh mục khi bản ghi không có ngày hiệu lực, mặc định là hôm nay / Date the code lists are checked on when a record carries no effective date, default today',
      ),
    ),
  },
  { additionalProperties: false },
);

const Violation = Type.Object({
  record: Type.Integer(),
  path: Type.String(),
  field: NullableStr(),
  rule: Type.String(),
  message: Type.String(),
  message_en: Type.String(),
});

export const ValidationResult = Type.Object({
  dataset: Type.String(),
  on: VietnamDateOut('Ngày đã đối chiếu danh mục / Date the code lists were checked on'),
  checked: Type.Integer(),
  valid: Type.Integer(),
  invalid: Type.Integer(),
  violations: Type.Array(Violation),
});

export const Domain = Type.Object({
  code: Type.String(),
  number: Type.Union([Type.Integer(), Type.Null()]),
  name_vi: Type.String(),
  name_en: Type.String(),
  source: Type.String(),
  dataset_count: Type.Integer(),
});

export const Dataset = Type.Object({
  code: Type.String(),
  name_vi: Type.String(),
  name_en: Type.String(),
  description_vi: NullableString(),
  description_en: NullableString(),
  domain_code: Type.String(),
  custodian_code: Type.String(),
  custodian_text: NullableString(),
  audience: Type.String(),
  classification: Type.String(),
  personal_data: Type.Boolean(),
  auth_required: Type.Boolean({ description: 'False only for datasets declared as needing no authentication (R-14.1)' }),
  sharing_spec: SharingSpec,
  mode: Type.String(),
  status: Type.String(),
  legal_basis: NullableString(),
  last_reviewed_on: Type.Union([VietnamDateOut(LastReviewed), Type.Null()]),
  version: Type.Integer(),
  created_at: Timestamp,
  updated_at: Timestamp,
});

const Text = (max: number) => Type.String({ minLength: 1, maxLength: max });
const NullableText = (max: number) => Type.Union([Text(max), Type.Null()]);
const IsoDate = Type.Union([VietnamDate(LastReviewed), Type.Null()]);

const editable = {
  name_vi: Text(500),
  name_en: Text(500),
  description_vi: Type.Optional(NullableText(5000)),
  description_en: Type.Optional(NullableText(5000)),
  domain_code: DomainCode,
  custodian_code: AgencyCode,
  custodian_text: Type.Optional(NullableText(500)),
  audience: Type.Optional(oneOf(AUDIENCES)),
  classification: Classification,
  personal_data: Type.Boolean(),
  auth_required: Type.Optional(Type.Boolean()),
  sharing_spec: SharingSpec,
  mode: Type.Optional(oneOf(MODES)),
  status: Type.Optional(oneOf(DATASET_STATUSES)),
  legal_basis: Type.Optional(NullableText(500)),
  last_reviewed_on: Type.Optional(IsoDate),
};

export const DatasetCreate = Type.Object({ code: DatasetCode, ...editable }, { additionalProperties: false });

export const DatasetPatch = Type.Partial(Type.Object(editable), { additionalProperties: false, minProperties: 1 });
