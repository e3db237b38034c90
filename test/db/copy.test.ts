import { describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { type CopyColumn, copySql, encodeBinaryCopy } from '../../src/db/copy.ts';
import { DRIVERS, useFreshDatabase } from '../helpers/platform.ts';

const COLUMNS: CopyColumn[] = [
  { name: 'id', type: 'uuid' }, { name: 'label', type: 'text' }, { name: 'body', type: 'bytea' }, { name: 'at', type: 'timestamptz' },
];

describe('binary COPY encoding', () => {
  it('writes the signature, one tuple a row and the trailer', () => {
    const buf = encodeBinaryCopy(COLUMNS, [['0192f3a4-5b6c-7d8e-9f00-112233445566', 'ă', Buffer.from([0, 255]), new Date('2000-01-01T00:00:01Z')]]);
    expect(buf.subarray(0, 11).toString('latin1')).toBe('PGCOPY\n\xff\r\n\0');
    expect(buf.readInt16BE(19)).toBe(4); // fields in the tuple
    expect(buf.readInt32BE(21)).toBe(16); // the uuid's length …
    expect(buf.subarray(25, 41).toString('hex')).toBe('0192f3a45b6c7d8e9f00112233445566');
    expect(buf.readInt32BE(41)).toBe(2); // 'ă' is 2 bytes of UTF-8
    expect(buf.readBigInt64BE(buf.length - 10)).toBe(1_000_000n); // µs after 2000-01-01
    expect(buf.readInt16BE(buf.length - 2)).toBe(-1);
  });

  it('takes a uuid as its 16 bytes and text as its UTF-8 bytes, giving the same stream', () => {
    const at = new Date('2026-03-02T03:00:00Z');
    const asStrings = encodeBinaryCopy(COLUMNS, [['0192f3a4-5b6c-7d8e-9f00-112233445566', 'Nguyễn', Buffer.from([1]), at]]);
    const asBytes = encodeBinaryCopy(COLUMNS, [[Buffer.from('0192f3a45b6c7d8e9f00112233445566', 'hex'), Buffer.from('Nguyễn'), Buffer.from([1]), at]]);
    expect(asBytes.equals(asStrings)).toBe(true);
    expect(() => encodeBinaryCopy(COLUMNS, [[Buffer.alloc(15), 'x', Buffer.alloc(0), at]])).toThrow(/uuid of 15 bytes/);
  });

  it('refuses what would corrupt the stream or the statement', () => {
    expect(() => encodeBinaryCopy(COLUMNS, [['not-a-uuid', 'x', Buffer.alloc(0), new Date()]])).toThrow(/not a uuid/);
    expect(() => encodeBinaryCopy(COLUMNS, [['0192f3a4-5b6c-7d8e-9f00-11223344556g', 'x', Buffer.alloc(0), new Date()]])).toThrow(/not a uuid/);
    expect(() => encodeBinaryCopy(COLUMNS, [['0192f3a4-5b6c-7d8e-9f00-112233445566', 'x']])).toThrow(/2 values for 4 columns/);
    expect(() => encodeBinaryCopy(COLUMNS, [['0192f3a4-5b6c-7d8e-9f00-112233445566', 'x', Buffer.alloc(0), new Date(NaN)]])).toThrow(/invalid date/);
    expect(() => copySql('t; DROP TABLE x', COLUMNS)).toThrow(/bad identifier/);
  });
});

for (const driver of DRIVERS) {
  describe(`[${driver}] Database.copyRows`, () => {
    let db: Database;
    useFreshDatabase(driver, async (fresh) => {
      db = fresh;
      await db.exec('CREATE TABLE copied (id uuid PRIMARY KEY, label text, body bytea, at timestamptz)');
    });

    it('stores every value exactly, NULLs included', async () => {
      const rows = Array.from({ length: 300 }, (_, n) => [
        `0192f3a4-5b6c-7d8e-9f00-${n.toString(16).padStart(12, '0')}`,
        n % 7 === 0 ? null : `Nguyễn Văn ${n}`,
        Buffer.from(Array.from({ length: n % 50 }, (_, k) => (k * n) % 256)),
        new Date(Date.UTC(2026, 10, 27, 4, 0, 0, n)),
      ]);
      await db.copyRows('copied', COLUMNS, rows);
      const back = await db.query<{ id: string; label: string | null; body: Uint8Array; at: Date }>('SELECT id, label, body, at FROM copied ORDER BY id');
      expect(back.rows.map((r) => [r.id, r.label, Buffer.from(r.body), r.at])).toEqual(rows);
    });

    it('is one statement: a row that cannot be stored leaves none of the batch behind', async () => {
      const before = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM copied')).rows[0]!.n;
      const dup = '0192f3a4-5b6c-7d8e-9f00-0000000000ff';
      await expect(db.copyRows('copied', COLUMNS, [
        ['0192f3a4-5b6c-7d8e-9f00-aaaaaaaaaaaa', 'new', Buffer.alloc(1), new Date()],
        [dup, 'already there', Buffer.alloc(1), new Date()],
      ])).rejects.toThrow(/duplicate key/);
      expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM copied')).rows[0]!.n).toBe(before);
      // The connection is fine afterwards.
      expect((await db.query<{ ok: number }>('SELECT 1 AS ok')).rows[0]!.ok).toBe(1);
    });
  });
}
