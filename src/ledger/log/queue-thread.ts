import { Worker } from 'node:worker_threads';
import { DatabaseUnavailableError } from '../../db/database.ts';
import { type QueuedLeaf, packGroup } from './queue-rows.ts';

/** The thread's connections are named, so an administrator tells them from the server's pool (pg_stat_activity). */
export const QUEUE_THREAD_APPLICATION = 'lienthong ledger queue';

/** What the queue-writer thread is started with. */
export interface ThreadSettings {
  databaseUrl: string;
  /** Its own pool: one connection per group it may be writing at once. */
  connections: number;
}

/** One group commit: its entries packed in one buffer, transferred, not copied (queue-rows.ts `packGroup`). */
export interface GroupMessage {
  seq: number;
  packed: Uint8Array;
  /** queue time, ms since the epoch */
  at: number;
}

export type ThreadReply = { seq: number; hashes: Uint8Array } | { seq: number; error: { message: string; code: string | undefined; unavailable: boolean } };

export interface QueueThread {
  /** Writes the group as one statement; resolves with its leaf hashes (32 bytes each, in order) once committed. */
  write(items: readonly QueuedLeaf[], at: Date): Promise<Buffer>;
  /** Starts the thread and has it open a connection, so the first group does not wait for either. */
  warm(): Promise<void>;
  /** Ends the thread after the groups sent so far are answered. */
  close(): Promise<void>;
}

interface Waiter {
  resolve: (hashes: Buffer) => void;
  reject: (err: unknown) => void;
}

function replyError(e: { message: string; code: string | undefined; unavailable: boolean }): Error {
  const err = Object.assign(new Error(e.message), e.code ? { code: e.code } : {});
  return e.unavailable ? new DatabaseUnavailableError(err) : err;
}

/**
 * A worker thread that hashes and writes group commits on the PostgreSQL server, so the main
 * thread's share of an append is only its canonical JSON, its id and its promise. On a 2-core
 * machine the main thread is the limit of durable appends, and the leaf hash, the COPY encoding and
 * the driver's socket work are about 20 µs of JavaScript an entry (CPU profiles): they run here
 * instead, beside the server. Started on first use. R-17.1 (no exchange unlogged): if it dies,
 * the groups it held are rejected — nothing of them is acknowledged, so the gateway releases no
 * data — and the next group starts a new one.
 */
export function startQueueThread(settings: ThreadSettings): QueueThread {
  let current: { worker: Worker; waiters: Map<number, Waiter> } | null = null;
  let seq = 0;

  function spawn() {
    const worker = new Worker(new URL('./queue-thread-boot.mjs', import.meta.url), { workerData: settings });
    const waiters = new Map<number, Waiter>();
    const self = { worker, waiters };
    worker.unref(); // referenced only while it holds a group (see `write`)
    worker.on('message', (reply: ThreadReply) => {
      const w = waiters.get(reply.seq);
      if (!w) return;
      waiters.delete(reply.seq);
      if (waiters.size === 0) worker.unref();
      if ('error' in reply) w.reject(replyError(reply.error));
      else w.resolve(Buffer.from(reply.hashes.buffer, reply.hashes.byteOffset, reply.hashes.byteLength));
    });
    const fail = (cause: unknown) => {
      if (current === self) current = null;
      for (const w of waiters.values()) w.reject(new DatabaseUnavailableError(cause));
      waiters.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the sharing-log queue thread exited (code ${code})`)));
    return self;
  }

  return {
    write(items, at) {
      current ??= spawn();
      const { worker, waiters } = current;
      let message: GroupMessage;
      try {
        message = { seq: ++seq, packed: packGroup(items), at: at.getTime() };
      } catch (err) {
        return Promise.reject(err);
      }
      return new Promise<Buffer>((resolve, reject) => {
        waiters.set(message.seq, { resolve, reject });
        worker.ref();
        worker.postMessage(message, [message.packed.buffer as ArrayBuffer]);
      });
    },
    warm() {
      current ??= spawn();
      const { worker, waiters } = current;
      const message: GroupMessage = { seq: ++seq, packed: new Uint8Array(0), at: Date.now() };
      return new Promise<void>((resolve) => {
        // (a failure here is the first group's to report: warming only tries)
        waiters.set(message.seq, { resolve: () => resolve(), reject: () => resolve() });
        worker.ref();
        worker.postMessage(message);
      });
    },
    async close() {
      const c = current;
      current = null;
      if (!c) return;
      c.worker.ref();
      const exited = new Promise<void>((resolve) => c.worker.once('exit', () => resolve()));
      c.worker.postMessage('close');
      await exited;
    },
  };
}
