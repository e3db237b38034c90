import { describe, expect, it } from 'vitest';
import type { ResolvedField } from '../../src/catalog/index.ts';
import { type CodeLookup, validateRecords } from '../../src/catalog/validation.ts';
import type { CodeItem } from '../../src/codelists/index.ts';

const field = (name: string, code_list: string | null): ResolvedField => ({
  name,
  source: 'dataset',
  dictionary: null,
  type: 'string',
  label_vi: name,
  label_en: name,
  personal: 'none',
  required: false,
  format: null,
  max_length: null,
  code_list,
  code_list_level: null,
  parent_field: null,
  mask: null,
});

const item = (code: string): CodeItem => ({ code, name_vi: code, name_en: code, parent_code: null, attributes: {} }) as CodeItem;
const FIELDS = [field('gender', 'gioi-tinh'), field('province_code', 'tinh'), field('valid_on', null)];

describe('R-4.7: validating a batch against code lists', () => {
  it('asks each code list once per date for the whole batch, and still finds the one bad code', async () => {
    const asked: string[] = [];
    const lookup: CodeLookup = async (list, on) => {
      asked.push(`${list}@${on}`);
      return new Map((list === 'gioi-tinh' ? ['1', '2'] : ['01', '79']).map((c) => [c, item(c)]));
    };
    // 200 records on two effective dates; record 157 names a province the list does not have.
    const records = Array.from({ length: 200 }, (_, i) => ({
      gender: i % 2 ? '1' : '2',
      province_code: i === 157 ? '99' : '01',
      valid_on: i < 100 ? '2026-01-01' : '2026-06-01',
    }));
    const violations = await validateRecords(FIELDS, records, { on: '2026-12-07', effectiveDateField: 'valid_on' }, lookup);
    expect(violations.map((v) => [v.record, v.field, v.rule])).toEqual([[157, 'province_code', 'code_list']]);
    expect(asked.sort()).toEqual(['gioi-tinh@2026-01-01', 'gioi-tinh@2026-06-01', 'tinh@2026-01-01', 'tinh@2026-06-01']);
  });
});
