import type { CopyColumn } from '../../db/copy.ts';
import { framed, sha256 } from './merkle.ts';

/**
 * A queued entry as the caller's thread hands it over: the leaf's canonical text and the queue
 * id (made where every other id is, so UUIDv7 order holds across all appends of the process).
 */
export interface QueuedLeaf {
  id: string;
  custodian: string;
  text: string;
}

/** ledger_queue's columns, in the order `queueRows` writes them. */
export const QUEUE_COLUMNS: readonly CopyColumn[] = [
  { name: 'id', type: 'uuid' },
  { name: 'custodian_code', type: 'text' },
  { name: 'leaf', type: 'bytea' },
  { name: 'leaf_hash', type: 'bytea' },
  { name: 'queued_at', type: 'timestamptz' },
];

export const HASH_BYTES = 32;

/**
 * The queue rows of a group commit and their leaf hashes (RFC 9162 §2.1.1: SHA-256(0x00 ‖ leaf)),
 * 32 bytes each, in order, in one buffer: what the receipts need back, whichever thread wrote.
 */
export function queueRows(items: readonly QueuedLeaf[], at: Date): { rows: unknown[][]; hashes: Uint8Array } {
  const hashes = new Uint8Array(items.length * HASH_BYTES);
  const rows = items.map((item, i) => {
    const bytes = framed(item.text);
    const hash = sha256(bytes);
    hashes.set(hash, i * HASH_BYTES);
    return [item.id, item.custodian, bytes.subarray(1), hash, at];
  });
  return { rows, hashes };
}

// ——— a group packed for the queue thread ———
// One transferable buffer per group rather than arrays of strings: structured-cloning the strings
// cost the main thread ~3 µs an entry (a CPU profile of `appendDurable` at 1,000 callers), writing
// them into one buffer well under one. Per entry: the id's 36 ASCII characters; the custodian's
// length (1 byte) and UTF-8 bytes; the leaf's length + 1 (4 bytes, big-endian) and 0x00 ‖ leaf —
// already the leaf hash's input, so the thread hashes it where it lies.

const ID_CHARS = 36;

/**
 * The group as the queue thread takes it (made on the caller's thread). Sized for the worst case,
 * 3 UTF-8 bytes a UTF-16 unit, rather than measured: `Buffer.byteLength` of each freshly built
 * leaf cost ~1 µs an entry (a profile at 1,000 callers); the leaf's length is written after it.
 */
export function packGroup(items: readonly QueuedLeaf[]): Uint8Array {
  let size = 0;
  for (const item of items) size += ID_CHARS + 1 + 3 * item.custodian.length + 4 + 1 + 3 * item.text.length;
  // Never a slice of Buffer's shared pool, which postMessage would copy whole (it is untransferable).
  const out = Buffer.allocUnsafeSlow(size);
  let at = 0;
  for (const item of items) {
    if (item.id.length !== ID_CHARS || out.write(item.id, at, 'latin1') !== ID_CHARS) throw new Error(`ledger: not a uuid: ${item.id}`);
    at += ID_CHARS;
    const custodian = out.write(item.custodian, at + 1, 'utf8');
    if (custodian > 255) throw new Error('ledger: custodian code longer than 255 bytes');
    out[at] = custodian;
    at += 1 + custodian;
    out[at + 4] = 0x00;
    const leaf = out.write(item.text, at + 5, 'utf8');
    out.writeUInt32BE(1 + leaf, at);
    at += 5 + leaf;
  }
  return new Uint8Array(out.buffer, out.byteOffset, at);
}

const HEX = new Int8Array(128).fill(-1);
for (let c = 0; c < 16; c++) HEX['0123456789abcdef'.charCodeAt(c)] = HEX['0123456789ABCDEF'.charCodeAt(c)] = c;

/** 8-4-4-4-12 hex characters at `at` → the uuid's 16 bytes. */
function uuidBytes(src: Uint8Array, at: number): Buffer {
  const out = Buffer.allocUnsafe(16);
  let o = 0;
  for (let i = at; i < at + ID_CHARS; i++) {
    if (i - at === 8 || i - at === 13 || i - at === 18 || i - at === 23) {
      if (src[i] !== 0x2d) throw new Error('ledger: not a uuid in a packed group');
      continue;
    }
    const hi = HEX[src[i]!] ?? -1; // (a byte over 127 is outside the table: undefined)
    const lo = HEX[src[++i]!] ?? -1;
    if (hi < 0 || lo < 0) throw new Error('ledger: not a uuid in a packed group');
    out[o++] = (hi << 4) | lo;
  }
  return out;
}

/** `queueRows` of a packed group (on the queue thread): leaves and ids are views of `packed`. */
export function unpackRows(packed: Uint8Array, at: Date): { rows: unknown[][]; hashes: Uint8Array } {
  const src = Buffer.from(packed.buffer, packed.byteOffset, packed.byteLength);
  const rows: unknown[][] = [];
  const hashList: Buffer[] = [];
  let p = 0;
  while (p < src.length) {
    const id = uuidBytes(src, p);
    p += ID_CHARS;
    const custodianLength = src[p++]!;
    const custodian = src.subarray(p, p + custodianLength);
    p += custodianLength;
    const framedLength = src.readUInt32BE(p);
    p += 4;
    const framedLeaf = src.subarray(p, p + framedLength);
    if (framedLeaf.length !== framedLength || framedLeaf[0] !== 0x00) throw new Error('ledger: a packed group is cut short');
    p += framedLength;
    const hash = sha256(framedLeaf);
    hashList.push(hash);
    rows.push([id, custodian, framedLeaf.subarray(1), hash, at]);
  }
  const out = new Uint8Array(hashList.length * HASH_BYTES);
  hashList.forEach((h, i) => out.set(h, i * HASH_BYTES));
  return { rows, hashes: out };
}
