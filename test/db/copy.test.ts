import { describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { BinaryCopyDecoder, type CopyColumn, copySql, encodeBinaryCopy, sqlLiteral } from '../../src/db/copy.ts';
import { DRIVERS, useFreshDatabase } from '../helpers/platform.ts';

const COLUMNS: CopyColumn[] = [
  { name: 'id', type: 'uuid' },
  { name: 'label', type: 'text' },
  { name: 'body', type: 'bytea' },
  { name: 'at', type: 'timestamptz' },
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

  it('quotes literals for statements without parameters', () => {
    expect(sqlLiteral("it's")).toBe("'it''s'");
    expect(sqlLiteral('a\\b')).toBe("E'a\\\\b'");
  });

  it('refuses what would corrupt the stream or the statement', () => {
    expect(() => encodeBinaryCopy(COLUMNS, [['not-a-uuid', 'x', Buffer.alloc(0), new Date()]])).toThrow(/not a uuid/);
    expect(() => encodeBinaryCopy(COLUMNS, [['0192f3a4-5b6c-7d8e-9f00-11223344556g', 'x', Buffer.alloc(0), new Date()]])).toThrow(/not a uuid/);
    expect(() => encodeBinaryCopy(COLUMNS, [['0192f3a4-5b6c-7d8e-9f00-112233445566', 'x']])).toThrow(/2 values for 4 columns/);
    expect(() => encodeBinaryCopy(COLUMNS, [['0192f3a4-5b6c-7d8e-9f00-112233445566', 'x', Buffer.alloc(0), new Date(NaN)]])).toThrow(/invalid date/);
    expect(() => copySql('t; DROP TABLE x', COLUMNS)).toThrow(/bad identifier/);
  });
});

/** Every row the decoder hands over, as [field bytes or null, …]. */
function decodeAll(fields: number, chunks: Buffer[]): (string | null)[][] {
  const rows: (string | null)[][] = [];
  const d = new BinaryCopyDecoder(fields, (buf, at, len) => rows.push(Array.from(len, (l, f) => (l < 0 ? null : buf.toString('hex', at[f]!, at[f]! + l)))));
  for (const c of chunks) d.push(c);
  d.end();
  return rows;
}

describe('binary COPY decoding', () => {
  const at = new Date('2026-03-02T03:00:00Z');
  const rows = Array.from({ length: 12 }, (_, n) => [
    `0192f3a4-5b6c-7d8e-9f00-${String(n).padStart(12, '0')}`,
    n % 5 ? `Trần ${'x'.repeat(n * 7)}` : null,
    Buffer.alloc(n * 13, n),
    at,
  ]);
  const stream = encodeBinaryCopy(COLUMNS, rows);
  const expected = rows.map(([id, label, body]) => [
    String(id).replace(/-/g, ''),
    label === null ? null : Buffer.from(String(label)).toString('hex'),
    (body as Buffer).toString('hex'),
  ]);

  it('gives every row and field, NULLs as null, however the stream is cut into chunks', () => {
    const whole = decodeAll(4, [stream]);
    expect(whole.map((r) => r.slice(0, 3))).toEqual(expected);
    expect(whole.every((r) => BigInt(`0x${r[3]}`) === BigInt(at.getTime() - 946_684_800_000) * 1000n)).toBe(true);
    // Cut at every byte (header, row header, length fields and values split), and byte by byte.
    const same = JSON.stringify(whole);
    for (let cut = 1; cut < stream.length; cut += 1) {
      if (JSON.stringify(decodeAll(4, [stream.subarray(0, cut), stream.subarray(cut)])) !== same) expect.fail(`cut at byte ${cut}`);
    }
    expect(
      decodeAll(
        4,
        Array.from(stream, (b) => Buffer.of(b)),
      ),
    ).toEqual(whole);
  });

  it('refuses a stream that is not binary COPY, has other rows, or stops before its trailer', () => {
    expect(() => decodeAll(4, [Buffer.from('id,label\n1,x\n'.padEnd(40, ' '))])).toThrow(/not the binary COPY format/);
    expect(() => decodeAll(3, [stream])).toThrow(/a row of 4 fields, 3 expected/);
    expect(() => decodeAll(4, [stream.subarray(0, stream.length - 2)])).toThrow(/ended in the middle of a row/);
    expect(() => decodeAll(4, [stream.subarray(0, stream.length - 5)])).toThrow(/ended in the middle of a row/);
    expect(() => decodeAll(4, [stream, Buffer.of(0, 4)])).toThrow(/data after the trailer/);
  });
});

for (const driver of DRIVERS) {
  describe(`[${driver}] Transaction.copyOut`, () => {
    let db: Database;
    useFreshDatabase(driver, async (fresh) => {
      db = fresh;
      await db.exec(`CREATE TABLE leaves (n bigint PRIMARY KEY, label text, body bytea);
        INSERT INTO leaves SELECT g, CASE WHEN g % 9 = 0 THEN NULL ELSE 'Lê ' || g END, decode(repeat(lpad(to_hex(g % 256), 2, '0'), g % 3000), 'hex') FROM generate_series(1, 2000) g`);
    });

    it('streams the rows of a query in order, as they are stored', async () => {
      const got: (Buffer | null)[][] = [];
      const d = new BinaryCopyDecoder(3, (buf, at, len) => got.push(Array.from(len, (l, f) => (l < 0 ? null : Buffer.from(buf.subarray(at[f]!, at[f]! + l))))));
      const chunks: number[] = [];
      await db.transaction((tx) =>
        tx.copyOut(
          `SELECT n, label, body FROM leaves WHERE label IS DISTINCT FROM ${sqlLiteral("it's")} ORDER BY n`,
          (c) => (chunks.push(c.length), d.push(c)),
        ),
      );
      d.end();
      expect(got).toHaveLength(2000);
      for (const [k, [n, label, body]] of got.entries()) {
        const i = k + 1;
        expect(n!.readBigInt64BE()).toBe(BigInt(i));
        expect(!label ? null : label.toString('utf8')).toBe(i % 9 === 0 ? null : `Lê ${i}`);
        expect(body!.equals(Buffer.alloc(i % 3000, i % 256))).toBe(true);
      }
      if (driver === 'postgres') expect(chunks.length).toBeGreaterThan(1); // streamed, not one reply
    });

    it('rejects with the server error or the handler error, and the connection carries on', async () => {
      await expect(db.transaction((tx) => tx.copyOut('SELECT n / 0 FROM leaves', () => undefined))).rejects.toThrow(/division by zero/);
      await expect(
        db.transaction((tx) =>
          tx.copyOut('SELECT n FROM leaves', () => {
            throw new Error('handler failed');
          }),
        ),
      ).rejects.toThrow(/handler failed/);
      for (let k = 0; k < 3; k++) expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM leaves')).rows[0]!.n).toBe(2000);
    });
  });

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
      await expect(
        db.copyRows('copied', COLUMNS, [
          ['0192f3a4-5b6c-7d8e-9f00-aaaaaaaaaaaa', 'new', Buffer.alloc(1), new Date()],
          [dup, 'already there', Buffer.alloc(1), new Date()],
        ]),
      ).rejects.toThrow(/duplicate key/);
      expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM copied')).rows[0]!.n).toBe(before);
      // The connection is fine afterwards.
      expect((await db.query<{ ok: number }>('SELECT 1 AS ok')).rows[0]!.ok).toBe(1);
    });
  });
}
