import { formatIsoDate, isIsoDate } from '../core/time.ts';
import type { CodeItem } from '../codelists/index.ts';
import type { ResolvedField, ValueFormat } from './types.ts';

/**
 * Checks records against a dataset's resolved fields (R-4.7: correct, complete,
 * clean; R-3.4: shared code lists). The same function serves the validate
 * endpoint and, later, ingestion of hosted data: it returns every violation,
 * never stops at the first.
 */
type Rule = 'not_object' | 'unknown_field' | 'required' | 'type' | 'format' | 'max_length' | 'code_list' | 'code_parent' | 'code_list_unavailable';

export interface Violation {
  record: number;
  path: string;
  field: string | null;
  rule: Rule;
  message: string;
  message_en: string;
}

/** Items of a code list as in force on a date (null when no version is in force). */
export type CodeLookup = (list: string, on: string) => Promise<Map<string, CodeItem> | null>;

const FORMATS: Record<ValueFormat, { test: RegExp; vi: string; en: string }> = {
  cccd: { test: /^\d{12}$/, vi: 'Số định danh cá nhân gồm đúng 12 chữ số.', en: 'A personal identification number is exactly 12 digits.' },
  phone_vn: {
    test: /^(0|\+84)\d{9}$/,
    vi: 'Số điện thoại gồm 10 chữ số bắt đầu bằng 0 (hoặc +84 và 9 chữ số).',
    en: 'A phone number is 10 digits starting with 0 (or +84 and 9 digits).',
  },
  email: { test: /^[^\s@]+@[^\s@]+\.[^\s@]+$/, vi: 'Địa chỉ thư điện tử không hợp lệ.', en: 'Invalid email address.' },
  url: { test: /^https?:\/\/\S+$/, vi: 'Địa chỉ URL phải bắt đầu bằng http:// hoặc https://.', en: 'A URL starts with http:// or https://.' },
};

const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

const TYPE_NAMES: Record<ResolvedField['type'], [string, string]> = {
  string: ['chuỗi ký tự', 'a string'],
  integer: ['số nguyên', 'an integer'],
  number: ['số', 'a number'],
  boolean: ['giá trị đúng/sai ("true" hoặc "false")', 'a boolean'],
  date: ['ngày dạng YYYY-MM-DD', 'a date YYYY-MM-DD'],
  datetime: ['thời điểm RFC 3339 có múi giờ', 'an RFC 3339 date-time with offset'],
  code: ['mã trong danh mục', 'a code of the code list'],
};

function hasType(f: ResolvedField, v: unknown): boolean {
  switch (f.type) {
    case 'string':
    case 'code':
      return typeof v === 'string';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'boolean':
      return typeof v === 'boolean';
    case 'date':
      return typeof v === 'string' && isIsoDate(v);
    case 'datetime':
      return typeof v === 'string' && DATETIME.test(v) && !Number.isNaN(Date.parse(v)) && isIsoDate(v.slice(0, 10));
  }
}

/** The administrative levels of the shipped unit list, named in each language; other levels are quoted as codes. */
const LEVEL_NAMES: Record<string, [string, string]> = {
  province: ['cấp tỉnh', 'province level'],
  commune: ['cấp xã', 'commune level'],
};
const levelName = (level: string): [string, string] => LEVEL_NAMES[level] ?? [`cấp "${level}"`, `level "${level}"`];

const empty = (v: unknown) => v === undefined || v === null || v === '';

export async function validateRecords(
  fields: ResolvedField[],
  records: unknown[],
  opts: { on: string; effectiveDateField?: string | undefined },
  lookup: CodeLookup,
): Promise<Violation[]> {
  const byName = new Map(fields.map((f) => [f.name, f]));
  const out: Violation[] = [];
  const lookupOnce = onceEach(lookup);
  for (const [i, record] of records.entries()) {
    const at = `/records/${i}`;
    const add = (field: string | null, rule: Rule, message: string, message_en: string) =>
      out.push({ record: i, path: field ? `${at}/${field}` : at, field, rule, message, message_en });
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      add(null, 'not_object', 'Bản ghi phải là một đối tượng JSON.', 'A record must be a JSON object.');
      continue;
    }
    const r = record as Record<string, unknown>;
    for (const k of Object.keys(r))
      if (!byName.has(k))
        add(k, 'unknown_field', `Trường "${k}" không thuộc đặc tả chia sẻ của bộ dữ liệu.`, `Field "${k}" is not in the dataset's sharing specification.`);
    const effective =
      opts.effectiveDateField && typeof r[opts.effectiveDateField] === 'string' && isIsoDate(r[opts.effectiveDateField] as string)
        ? (r[opts.effectiveDateField] as string)
        : opts.on;
    for (const f of fields) {
      // Own properties only: a field named "constructor" must not read Object.prototype.
      const v = Object.hasOwn(r, f.name) ? r[f.name] : undefined;
      if (empty(v)) {
        if (f.required) add(f.name, 'required', `Thiếu trường bắt buộc "${f.label_vi}".`, `Missing required field "${f.label_en}".`);
        continue;
      }
      if (!hasType(f, v)) {
        const [vi, en] = TYPE_NAMES[f.type];
        add(f.name, 'type', `"${f.label_vi}" phải là ${vi}.`, `"${f.label_en}" must be ${en}.`);
        continue;
      }
      if (typeof v === 'string' && f.max_length !== null && [...v].length > f.max_length)
        add(f.name, 'max_length', `"${f.label_vi}" dài tối đa ${f.max_length} ký tự.`, `"${f.label_en}" has at most ${f.max_length} characters.`);
      if (f.format && typeof v === 'string' && !FORMATS[f.format].test.test(v)) add(f.name, 'format', FORMATS[f.format].vi, FORMATS[f.format].en);
      if (f.code_list) await checkCode(f, v as string, r, effective, lookupOnce, add);
    }
  }
  return out;
}

/**
 * The code list in force for a list and a date is asked once a batch, not once a record: a write
 * of a thousand records would otherwise wait for two thousand queries one after the other.
 */
function onceEach(lookup: CodeLookup): CodeLookup {
  const asked = new Map<string, ReturnType<CodeLookup>>();
  return (list, on) => {
    const key = `${list}\u0000${on}`;
    let answer = asked.get(key);
    if (!answer) asked.set(key, (answer = lookup(list, on)));
    return answer;
  };
}

async function checkCode(
  f: ResolvedField,
  value: string,
  r: Record<string, unknown>,
  on: string,
  lookup: CodeLookup,
  add: (field: string, rule: Rule, message: string, message_en: string) => void,
): Promise<void> {
  const items = await lookup(f.code_list!, on);
  if (!items) {
    add(
      f.name,
      'code_list_unavailable',
      `Danh mục "${f.code_list}" không có phiên bản hiệu lực ngày ${formatIsoDate(on)}.`,
      `Code list "${f.code_list}" has no version in force on ${on}.`,
    );
    return;
  }
  const item = items.get(value);
  if (!item || (f.code_list_level !== null && item.attributes.level !== f.code_list_level)) {
    const [levelVi, levelEn] = f.code_list_level ? levelName(f.code_list_level) : ['', ''];
    add(
      f.name,
      'code_list',
      `Mã "${value}" không có trong danh mục "${f.code_list}"${levelVi ? ` (${levelVi})` : ''} hiệu lực ngày ${formatIsoDate(on)}.`,
      `Code "${value}" is not in code list "${f.code_list}"${levelEn ? ` (${levelEn})` : ''} in force on ${on}.`,
    );
    return;
  }
  const parent = f.parent_field && Object.hasOwn(r, f.parent_field) ? r[f.parent_field] : undefined;
  if (f.parent_field && !empty(parent) && item.parent_code !== parent) {
    add(
      f.name,
      'code_parent',
      `Mã "${value}" (${item.name_vi}) không thuộc "${String(parent)}" ghi ở trường "${f.parent_field}".`,
      `Code "${value}" (${item.name_en ?? item.name_vi}) does not belong to "${String(parent)}" given in "${f.parent_field}".`,
    );
  }
}
