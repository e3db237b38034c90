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
 * (unique, and a queue row never changes), so a hit is the row the database holds. Entries queued
 * by another instance, or before a restart, or pushed out when the integrator falls behind (the
 * map keeps the newest `max`), are read from the database as before.
 */
export class HandOff {
  private readonly leaves = new Map<string, HandedLeaf>();
  constructor(private readonly max = 32_768) {}

  /** A committed group: `hashes` holds its leaf hashes, 32 bytes each, in the items' order. */
  add(items: readonly QueuedLeaf[], hashes: Uint8Array): void {
    items.forEach((item, i) => {
      if (this.leaves.size >= this.max) this.leaves.delete(this.leaves.keys().next().value!);
      this.leaves.set(item.id, { leaf: item.text, hash: hashes.subarray(i * HASH_BYTES, (i + 1) * HASH_BYTES) });
    });
  }

  get(id: string): HandedLeaf | undefined {
    return this.leaves.get(id);
  }

  /** Sequenced (committed): no integrator needs them again. */
  drop(ids: readonly string[]): void {
    for (const id of ids) this.leaves.delete(id);
  }

  get size(): number {
    return this.leaves.size;
  }
}
