import { describe, expect, it } from 'vitest';
import type { ResolvedField } from '../../src/catalog/index.ts';
import { canonicalJson } from '../../src/core/canonical.ts';
import { canonicalShaper, coversAll, shapePlan, shapeRecord, shapeUpstreamJson } from '../../src/gateway/shaping.ts';

/** The shaping rules alone (the gateway's tests prove them through the API); fast enough for mutation testing. */
const field = (name: string, personal: ResolvedField['personal'] = 'none', mask: ResolvedField['mask'] = null) => ({ name, personal, mask }) as ResolvedField;
const fields = [
  field('code'),
  field('full_name', 'basic', 'initials'),
  field('citizen_id', 'basic', 'last4'),
  field('birth', 'basic', 'year'),
  field('note', 'basic'),
];

describe('shaping what leaves the gateway (R-8.2)', () => {
  it('R-8.2: granted fields leave whole, ungranted personal fields only masked, everything else is dropped', () => {
    const plan = shapePlan(fields, ['code']);
    const record = { code: 'A1', full_name: 'Nguyễn  Văn An', citizen_id: '001085000091', birth: '1985-01-09', note: 'x', extra: 'y' };
    expect(shapeRecord(record, plan)).toEqual({ code: 'A1', full_name: 'N. V. A.', citizen_id: '********0091', birth: '1985' });
    expect(shapeRecord({ citizen_id: '123', birth: 'không rõ', full_name: null }, plan)).toEqual({ citizen_id: '***', birth: null, full_name: null });
    expect(shapeRecord({ citizen_id: '1234' }, plan)).toEqual({ citizen_id: '****' });
    expect(shapeRecord(record, shapePlan(fields, ['code', 'full_name']))).toMatchObject({ full_name: 'Nguyễn  Văn An' });
    // Only ungranted personal fields with a masking rule are masked; a non-personal field's rule is not used.
    const withRule = [...fields, field('unit', 'none', 'last4')];
    expect([...shapePlan(withRule, ['code', 'full_name']).masked.keys()]).toEqual(['citizen_id', 'birth']);
    expect(Object.keys(shapeRecord({ unit: 'DV-01', note: 'x', citizen_id: '001085000091' }, shapePlan(withRule, [])))).toEqual(['citizen_id']);
    // Initials are taken from the composed letter; a year only from a value that starts with four digits.
    expect(shapeRecord({ full_name: 'A\u0301nh  Lê', birth: '19x5-01-01', citizen_id: undefined }, plan)).toEqual({
      full_name: 'Á. L.',
      birth: null,
      citizen_id: undefined,
    });
    expect(shapeRecord({ birth: 'năm 1985' }, plan)).toEqual({ birth: null });
  });

  it('R-8.2: an answer passes unshaped only when every declared field is granted whole', () => {
    expect(
      coversAll(
        shapePlan(
          fields,
          fields.map((f) => f.name),
        ),
        fields,
      ),
    ).toBe(true);
    expect(coversAll(shapePlan(fields, ['code', 'full_name', 'citizen_id', 'birth']), fields)).toBe(false);
    expect(coversAll(shapePlan(fields, []), [])).toBe(true);
  });

  it("R-8.2: a custodian service's answer is shaped as a record, a list, or an envelope; anything else is refused (null)", () => {
    const plan = shapePlan(fields, ['code']);
    expect(shapeUpstreamJson({ code: 'A', note: 'x' }, plan)).toEqual({ code: 'A' });
    expect(shapeUpstreamJson([{ code: 'A', note: 'x' }, { code: 'B' }], plan)).toEqual([{ code: 'A' }, { code: 'B' }]);
    expect(shapeUpstreamJson({ items: [{ code: 'A', note: 'x' }], next_cursor: 'c2', total: 3 }, plan)).toEqual({ items: [{ code: 'A' }], next_cursor: 'c2' });
    expect(shapeUpstreamJson({ items: [{ code: 'A' }], next_cursor: 5 }, plan)).toEqual({ items: [{ code: 'A' }] });
    expect(shapeUpstreamJson({ data: { code: 'A', note: 'x' }, meta: 1 }, plan)).toEqual({ data: { code: 'A' } });
    expect(shapeUpstreamJson({ data: 'A', code: 'B' }, plan)).toEqual({ code: 'B' });
    for (const bad of ['text', 42, null, [1, 2], [{ code: 'A' }, 'x'], { items: [{ code: 'A' }, 3] }, [[{ code: 'A' }]]]) {
      expect(shapeUpstreamJson(bad, plan)).toBeNull();
    }
  });
});

describe('canonicalShaper: shapeRecord and RFC 8785 in one pass (exports)', () => {
  // Names ordered differently by UTF-16 code units (RFC 8785) and by code points: U+1F600 is
  // D83D DE00, below U+FB01; upper case before lower case; a prefix before its extensions.
  const names = ['code', 'Code', 'a', 'ab', 'a_b', 'é', '\u{1F600}', '\uFB01', '€', 'n', 'arr', 'obj', '', 'full_name', 'citizen_id', 'birth', 'note'];
  const varied: Record<string, unknown>[] = [
    {},
    { code: 'A1', full_name: 'Nguyễn  Văn An', citizen_id: '001085000091', birth: '1985-01-09', note: 'x', extra: 'y' },
    { '\uFB01': 1, '\u{1F600}': 2, é: 'é', '€': '€', Code: true, code: false, a: null, ab: -0, a_b: 1e21, '': 'empty name' },
    { n: 1e-7, arr: [3, 'b', { z: 1, a: [null, true] }, []], obj: { b: { d: 1, c: '\u2028' }, a: '\u0000"\\/\n\t\u001f\u007f' } },
    { n: 123456789012345680000, a: 0.1 + 0.2, ab: -1.5e-300, a_b: 2 ** 53 + 1, code: '\ud800 lone', obj: {} },
    { full_name: null, citizen_id: '12', birth: 'không rõ', note: 'ghi chú', other: { x: 1 } },
    { full_name: 'A\u0301nh  Lê', citizen_id: 123456789, birth: 19850109 },
  ];
  const plans = [
    shapePlan(fields, []),
    shapePlan(fields, ['code']),
    shapePlan(fields, ['code', 'full_name', 'citizen_id']),
    shapePlan([...fields, ...names.map((n) => field(n))], names),
    shapePlan(
      fields.map((f) => ({ ...f, personal: 'basic', mask: f.mask ?? 'last4' }) as ResolvedField),
      ['n', 'arr', 'obj', 'a'],
    ),
  ];

  it('writes exactly the bytes canonicalJson(shapeRecord(...)) writes, for every plan and record', () => {
    for (const plan of plans) {
      const shape = canonicalShaper(plan);
      for (const record of varied) expect(shape(record)).toBe(canonicalJson(shapeRecord(record, plan)));
    }
  });

  it('refuses what canonicalJson refuses (a number JSON cannot hold), and orders by UTF-16 code units', () => {
    const all = canonicalShaper(plans[3]!);
    expect(() => all({ n: Number.POSITIVE_INFINITY })).toThrow(/Infinity/);
    expect(() => all({ n: Number.NaN })).toThrow(/NaN/);
    expect(all({ '\uFB01': 1, '\u{1F600}': 2, a: 3, Code: 4 })).toBe('{"Code":4,"a":3,"\u{1F600}":2,"\uFB01":1}');
  });
});
