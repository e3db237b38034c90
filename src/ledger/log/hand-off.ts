import { HASH_BYTES, type QueuedLeaf } from './queue-rows.ts';

/** A queued leaf as its appender saw it committed: the leaf's text and its hash. */
export interface HandedLeaf {
  leaf: string;
  hash: Uint8Array;
}

/**
 * Leaves this process has just queued, handed to its integrator so it need not read them back:
 * the queue rows' read (a primary-key probe and ~1 KiB sent per entry) and its decoding were a
 * fifth of sequencing an entry. Only committed groups are handed over, keyed by their queue id
 * (unique, and a queue row never changes), so a hit is the row the database holds. A miss is
 * read from the database: entries queued by another instance or before a restart, and those
 * that found the hand-off full. Full, it keeps what it holds rather than the newest: a log's
 * integrator takes the oldest entries first, so under a backlog those are the ones it needs.
 */
export class HandOff {
  /** Per log, in insertion order: UUIDv7 ids from one generator, so about the integrator's order. */
  private readonly logs = new Map<string, Map<string, HandedLeaf>>();
  private count = 0;
  constructor(private readonly max = 32_768) {}

  /** A committed group: `hashes` holds its leaf hashes, 32 bytes each, in the items' order. */
  add(items: readonly QueuedLeaf[], hashes: Uint8Array): void {
    items.forEach((item, i) => {
      if (this.count >= this.max) return;
      const log = this.logs.get(item.custodian) ?? this.logs.set(item.custodian, new Map()).get(item.custodian)!;
      log.set(item.id, { leaf: item.text, hash: hashes.subarray(i * HASH_BYTES, (i + 1) * HASH_BYTES) });
      this.count++;
    });
  }

  get(log: string, id: string): HandedLeaf | undefined {
    return this.logs.get(log)?.get(id);
  }

  /**
   * Sequenced (committed): no integrator needs them again, nor this log's entries queued before
   * the newest of them — another instance sequenced those (or, queued by a group that committed
   * late, they are read from the database).
   */
  drop(log: string, ids: readonly string[]): void {
    const held = this.logs.get(log);
    if (!held || ids.length === 0) return;
    let newest = ids[0]!;
    for (const id of ids) {
      if (id > newest) newest = id;
      if (held.delete(id)) this.count--;
    }
    for (const id of held.keys()) {
      if (id >= newest) break;
      held.delete(id);
      this.count--;
    }
  }

  get size(): number {
    return this.count;
  }
}
