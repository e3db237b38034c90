/**
 * Rows for `Database.copyRows`: PostgreSQL's binary COPY format (PostgreSQL docs, "COPY" →
 * "Binary Format"), for the few column types the platform bulk-loads. Written here rather than
 * with pg-copy-streams-binary: that library builds a stream and an object per field, while a
 * whole batch is one buffer sized in advance — the point of using COPY at all is to spend less
 * than a multi-row INSERT does, on the server and here.
 */
type CopyType = 'uuid' | 'text' | 'bytea' | 'timestamptz';
// Values: a uuid as its string or its 16 bytes; text as a string or its UTF-8 bytes; bytea as
// bytes; timestamptz as a Date; null or undefined as NULL.

export interface CopyColumn {
  name: string;
  type: CopyType;
}

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
/** 2000-01-01T00:00:00Z, PostgreSQL's timestamp epoch, in ms since 1970. */
const PG_EPOCH_MS = 946_684_800_000;
const UUID_GROUPS = [
  [0, 8],
  [9, 13],
  [14, 18],
  [19, 23],
  [24, 36],
] as const;
const NAME = /^[a-z_][a-z0-9_]*$/;

/** `COPY table (columns) FROM STDIN (FORMAT binary)`, names checked (they are code, never input). */
export function copySql(table: string, columns: readonly CopyColumn[]): string {
  for (const n of [table, ...columns.map((c) => c.name)]) if (!NAME.test(n)) throw new Error(`copy: bad identifier ${JSON.stringify(n)}`);
  return `COPY ${table} (${columns.map((c) => c.name).join(', ')}) FROM STDIN (FORMAT binary)`;
}

function fieldBytes(type: CopyType, v: unknown): number {
  if (v === null || v === undefined) return 0;
  switch (type) {
    case 'uuid':
      return 16;
    case 'timestamptz':
      return 8;
    case 'text':
      return v instanceof Uint8Array ? v.length : Buffer.byteLength(String(v), 'utf8');
    case 'bytea':
      return (v as Uint8Array).length;
  }
}

function writeField(buf: Buffer, at: number, type: CopyType, v: unknown): number {
  if (v === null || v === undefined) return buf.writeInt32BE(-1, at);
  switch (type) {
    case 'uuid': {
      at = buf.writeInt32BE(16, at);
      if (v instanceof Uint8Array) {
        if (v.length !== 16) throw new Error(`copy: a uuid of ${v.length} bytes`);
        buf.set(v, at);
        return at + 16;
      }
      // 8-4-4-4-12 hex digits; Buffer#write stops at the first non-hex pair, so a short count is a bad uuid.
      const s = String(v);
      let n = 0;
      if (s.length === 36 && s[8] === '-' && s[13] === '-' && s[18] === '-' && s[23] === '-') {
        for (const [from, to] of UUID_GROUPS) n += buf.write(s.substring(from, to), at + n, 'hex');
      }
      if (n !== 16) throw new Error(`copy: not a uuid: ${JSON.stringify(s)}`);
      return at + 16;
    }
    case 'timestamptz': {
      const ms = (v as Date).getTime();
      if (!Number.isFinite(ms)) throw new Error('copy: invalid date');
      at = buf.writeInt32BE(8, at);
      return buf.writeBigInt64BE(BigInt(ms - PG_EPOCH_MS) * 1000n, at);
    }
    case 'text': {
      if (v instanceof Uint8Array) {
        at = buf.writeInt32BE(v.length, at);
        buf.set(v, at);
        return at + v.length;
      }
      const s = String(v);
      const n = Buffer.byteLength(s, 'utf8');
      at = buf.writeInt32BE(n, at);
      return at + buf.write(s, at, 'utf8');
    }
    case 'bytea': {
      const b = v as Uint8Array;
      at = buf.writeInt32BE(b.length, at);
      buf.set(b, at);
      return at + b.length;
    }
  }
}

/** The whole COPY stream of `rows` (each in `columns` order) as one buffer. */
export function encodeBinaryCopy(columns: readonly CopyColumn[], rows: readonly (readonly unknown[])[]): Buffer {
  let size = SIGNATURE.length + 8 + 2;
  for (const row of rows) {
    if (row.length !== columns.length) throw new Error(`copy: a row has ${row.length} values for ${columns.length} columns`);
    size += 2 + 4 * columns.length;
    for (let c = 0; c < columns.length; c++) size += fieldBytes(columns[c]!.type, row[c]);
  }
  const buf = Buffer.allocUnsafe(size);
  let at = SIGNATURE.copy(buf, 0);
  at = buf.writeInt32BE(0, at); // flags: no OIDs
  at = buf.writeInt32BE(0, at); // no header extension
  for (const row of rows) {
    at = buf.writeInt16BE(columns.length, at);
    for (let c = 0; c < columns.length; c++) at = writeField(buf, at, columns[c]!.type, row[c]);
  }
  buf.writeInt16BE(-1, at); // trailer
  return buf;
}

/** The same rows as one multi-row INSERT (drivers without COPY FROM STDIN: PGlite). */
export function insertForCopy(table: string, columns: readonly CopyColumn[], rows: readonly (readonly unknown[])[]): { sql: string; params: unknown[] } {
  copySql(table, columns); // the same identifier check
  const params: unknown[] = [];
  const values = rows.map((row) => `(${columns.map((c, k) => (params.push(row[k] ?? null), `$${params.length}::${c.type}`)).join(', ')})`);
  return { sql: `INSERT INTO ${table} (${columns.map((c) => c.name).join(', ')}) VALUES ${values.join(', ')}`, params };
}

/** A `timestamptz` field of a binary COPY row (microseconds since 2000-01-01 UTC), to the millisecond as the driver's Date has it. */
export function readTimestamptz(buf: Buffer, at: number): Date {
  return new Date(PG_EPOCH_MS + Number(buf.readBigInt64BE(at) / 1000n));
}

/** Where each field of a decoded row lies in its buffer: offset and length (−1: NULL). */
export type CopyRowHandler = (buf: Buffer, at: Int32Array, len: Int32Array) => void;

/**
 * Reads PostgreSQL's binary COPY format (what `Transaction.copyOut` streams) row by row as its
 * chunks arrive, with no object per row or field: `onRow` gets the buffer holding the whole row
 * and each field's offset and length. Written here for the same reason as the encoder above: a
 * million-row read (ledger verify) is the point, and a per-field object would cost more than
 * the reading. A row split across chunks is joined once its length is known (one copy of
 * that row, not of the chunks around it). `onRow` may overwrite bytes of the row it is given
 * (the row has been read; ledger verify writes the 0x00 leaf prefix over a length byte).
 */
export class BinaryCopyDecoder {
  private readonly at: Int32Array;
  private readonly len: Int32Array;
  private stash: Buffer[] = [];
  private stashed = 0;
  /** Bytes the stash must hold before the row it starts can be read. */
  private need = 0;
  private started = false;
  private ended = false;

  constructor(
    private readonly fields: number,
    private readonly onRow: CopyRowHandler,
  ) {
    this.at = new Int32Array(fields);
    this.len = new Int32Array(fields);
  }

  push(chunk: Buffer): void {
    if (this.stash.length) {
      this.stash.push(chunk);
      this.stashed += chunk.length;
      if (this.stashed < this.need) return;
      chunk = Buffer.concat(this.stash, this.stashed);
      this.stash = [];
      this.stashed = 0;
    }
    let off = 0;
    if (!this.started) {
      off = this.header(chunk);
      if (off < 0) return this.keep(chunk, 0, -off);
      this.started = true;
    }
    while (off < chunk.length) {
      if (this.ended) throw new Error('copy: data after the trailer');
      const next = this.row(chunk, off);
      if (next < 0) return this.keep(chunk, off, -next);
      off = next;
    }
  }

  /** The stream is over: it must have ended with the trailer, on a row boundary. */
  end(): void {
    if (!this.ended || this.stash.length) throw new Error('copy: the stream ended in the middle of a row');
  }

  private keep(chunk: Buffer, from: number, need: number): void {
    this.stash = [chunk.subarray(from)];
    this.stashed = chunk.length - from;
    this.need = need;
  }

  /** Offset after the header, or −(bytes needed) if the chunk is too short to hold it. */
  private header(buf: Buffer): number {
    const fixed = SIGNATURE.length + 8;
    if (buf.length < fixed) return -fixed;
    if (!buf.subarray(0, SIGNATURE.length).equals(SIGNATURE)) throw new Error('copy: not the binary COPY format');
    const extension = buf.readInt32BE(SIGNATURE.length + 4);
    if (extension < 0) throw new Error('copy: not the binary COPY format');
    return buf.length < fixed + extension ? -(fixed + extension) : fixed + extension;
  }

  /** Offset after the row at `off` (after handing it to onRow), or −(bytes from off it needs). */
  private row(buf: Buffer, off: number): number {
    if (buf.length - off < 2) return -2;
    const n = buf.readInt16BE(off);
    if (n === -1) {
      this.ended = true;
      return off + 2;
    }
    if (n !== this.fields) throw new Error(`copy: a row of ${n} fields, ${this.fields} expected`);
    let p = off + 2;
    for (let f = 0; f < n; f++) {
      if (buf.length - p < 4) return -(p + 4 - off);
      const l = buf.readInt32BE(p);
      p += 4;
      this.at[f] = p;
      this.len[f] = l;
      if (l > 0) {
        if (buf.length - p < l) return -(p + l - off);
        p += l;
      }
    }
    this.onRow(buf, this.at, this.len);
    return p;
  }
}

/** A string as an SQL literal, for statements that take no parameters (COPY). */
export function sqlLiteral(s: string): string {
  const quoted = `'${s.replace(/'/g, "''").replace(/\\/g, '\\\\')}'`;
  return s.includes('\\') ? `E${quoted}` : quoted;
}
