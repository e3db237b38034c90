import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResolvedField } from '../../src/catalog/index.ts';
import { shapePlan, shapeRecord } from '../../src/gateway/index.ts';
import type { TextChange } from '../../src/sync/index.ts';
import { CLOSE_IN_BATCH, batchLines, maskInJs, maskedColumn, stagingSql } from '../../src/warehouse/staging.ts';
import { type Store, openStore } from '../../src/warehouse/store.ts';

/** The staging of a batch alone, on an in-memory DuckDB: the masks it keeps must be the gateway's, value for value. */
const field = (name: string, type: ResolvedField['type'], mask: ResolvedField['mask'] = null) =>
  ({ name, type, personal: mask ? 'basic' : 'none', mask }) as ResolvedField;
const fields = [field('code', 'string'), field('id_no', 'string', 'last4'), field('born', 'date', 'year'), field('name', 'string', 'initials')];
const plan = shapePlan(fields, []);

/** Values as the stored JSON text has them: strings of every kind SQL could count differently, and non-strings. */
const VALUES = [
  '""',
  '"abc"',
  '"abcd"',
  '"abcde"',
  '"001085000091"',
  '"Nguyễn Văn An"',
  '"Nguye\\u0302\\u0303n"',
  '"🦆🦆🦆🦆🦆x"',
  '"a🦆"',
  '"12🦆34"',
  '"1985-01-09"',
  '"198"',
  '"x1985"',
  '"١٩٨٥-01-01"',
  '"  Trần   thị  "',
  '"\\u00a0Lê\\u3000Văn\\tAn"',
  '"A\\u0301nh  Lê"',
  '"line\\nbreak"',
  '12345678',
  '9007199254740993',
  '1985.5',
  '1000000000000000000000',
  'true',
  'false',
  'null',
  '{"x": 1}',
  '[1, 2]',
];

const change = (i: number, json: string | null, key = `k-${i}`): TextChange => ({
  key,
  version: 1,
  position: i + 1,
  written_at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
  deleted: json === null,
  json,
});

/** The gateway's mask as DuckDB can hold it: UTF-8, so a lone surrogate half (last4 cutting a character above U+FFFF) is U+FFFD. */
const textOf = (v: unknown) => (typeof v === 'string' ? v.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD') : null);

async function stage(s: Store, changes: TextChange[]): Promise<Record<string, unknown>[]> {
  const staging = stagingSql(fields, plan);
  await s.writer.run(staging.create, [batchLines(changes)]);
  await s.writer.run(CLOSE_IN_BATCH);
  await maskInJs(s, changes, staging, plan);
  return (await s.writer.runAndReadAll('SELECT * FROM temp.stage ORDER BY _position')).getRowObjectsJS();
}

describe('warehouse staging (R-7.3, R-8.2)', () => {
  let s: Store;
  beforeAll(async () => {
    s = await openStore(':memory:');
  });
  afterAll(() => s.close());

  it('R-8.2: every masked column equals the gateway’s shaping of the same content, whichever of SQL or the gateway’s code computed it', async () => {
    const changes = [
      ...VALUES.map((v, i) => change(i, `{"code": "C${i}", "id_no": ${v}, "born": ${v}, "name": ${v}}`)),
      // Each field alone, the others absent (absent and null must both stay empty).
      ...VALUES.flatMap((v, i) => ['id_no', 'born', 'name'].map((f, j) => change(100 + i * 3 + j, `{"${f}": ${v}}`))),
    ];
    const rows = await stage(s, changes);
    expect(rows).toHaveLength(changes.length);
    for (const [i, c] of changes.entries()) {
      const shaped = shapeRecord(JSON.parse(c.json!) as Record<string, unknown>, plan);
      for (const f of ['id_no', 'born', 'name']) expect(rows[i]![maskedColumn(f)], `${f} of ${c.json}`).toBe(textOf(shaped[f]));
    }
  });

  it('R-7.3: plain text is masked in SQL; numbers, other JSON values, characters above U+FFFF and initials go to the gateway’s code', async () => {
    const rows = await stage(s, [
      change(0, '{"id_no": "001085000091", "born": "1985-01-09"}'),
      change(1, '{"id_no": "0010🦆91"}'),
      change(2, '{"born": 1985}'),
      change(3, '{"name": "Lê Văn"}'),
      change(4, '{"id_no": null, "born": null, "name": null, "code": 12}'),
    ]);
    expect(rows.map((r) => r._js)).toEqual([false, true, true, true, false]);
  });

  it('R-7.3: a version ends where the key’s next one in the batch begins; a tombstone is kept as deleted, its content empty', async () => {
    const rows = await stage(s, [change(0, '{"code": "A"}', 'a'), change(1, '{"code": "B"}', 'b'), change(2, null, 'a'), change(3, '{"code": "A2"}', 'a')]);
    expect(rows.map((r) => [r._key, r._deleted, r.code, r._valid_to === null ? null : String(r._valid_to)])).toEqual([
      ['a', false, 'A', String(rows[2]!._valid_from)],
      ['b', false, 'B', null],
      ['a', true, null, String(rows[3]!._valid_from)],
      ['a', false, 'A2', null],
    ]);
  });
});
