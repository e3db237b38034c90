import type { Queryable, Transaction } from '../../db/database.ts';
import { originOf } from './checkpoints.ts';
import { type Divergence, type LeafCheck, LogChecker, checkpointDivergence } from './verify-check.ts';
import { hashesToRecorded, pageReader, preparePageReads, readSnapshot, readStoredWidths, readUpperTiles } from './verify-read.ts';

export type { Divergence } from './verify-check.ts';

export interface VerifyReport {
  log: string;
  entries: number;
  checkpoints: number;
  ok: boolean;
  /** The first place where history diverges, if any. */
  divergence: Divergence | null;
}

/** Leaf indexes a page covers: large pages, read ahead on every handle while the oldest is walked. */
const DEFAULT_PAGE = 50_000;

/** An application's rule over its leaves' bytes, with rows it reads beside each page. */
export interface LeafRule<X> {
  read(q: Transaction, log: string, first: number, last: number): Promise<X>;
  /** The check of a page's leaves, given what `read` returned for it. */
  check(rows: X): LeafCheck;
  /** After the last leaf of a tree of `size` leaves: rows of the rule that lie beyond it. */
  finish(q: Queryable, log: string, size: number): Promise<Divergence | null>;
}

export interface LogVerifyOptions<X> {
  pageSize?: number | undefined;
  /** More handles on the same snapshot: pages are read round-robin on `q` and these. */
  readers?: Transaction[] | undefined;
  /** On 0x00 ‖ leaf: is the leaf of this log? */
  belongs?: ((log: string) => (framed: Buffer) => boolean) | undefined;
  leafRule?: LeafRule<X> | undefined;
}

/**
 * Recomputes a log from its rows and stops at, and names, the first divergence: the page reader
 * (verify-read.ts) reads, the checker (verify-check.ts) decides. Run it in one REPEATABLE READ
 * transaction so that the pages, tiles and checkpoints are one snapshot of a log that keeps
 * growing meanwhile.
 */
export async function verifyLog<X>(
  q: Transaction,
  log: string,
  verifierKey: string,
  progress?: (done: number, total: number) => void,
  options: LogVerifyOptions<X> = {},
): Promise<VerifyReport> {
  const snapshot = await readSnapshot(q, log);
  const report = (divergence: Divergence | null): VerifyReport => ({
    log,
    entries: snapshot.total,
    checkpoints: snapshot.checkpoints.length,
    ok: divergence === null,
    divergence,
  });
  const signed = checkpointDivergence(snapshot.checkpoints, verifierKey, originOf(log));
  if (signed) return report(signed);
  const handles = [q, ...(options.readers ?? [])];
  await preparePageReads(handles);
  const rule = options.leafRule;
  const pages = pageReader<X>(log, snapshot, {
    pageSize: options.pageSize ?? DEFAULT_PAGE,
    handles,
    belongs: options.belongs?.(log),
    keepLeaves: rule !== undefined,
    extra: rule ? (h, first, last) => rule.read(h, log, first, last) : undefined,
  });
  try {
    let check: LeafCheck | undefined;
    const checker = new LogChecker(snapshot.checkpoints, snapshot.archivedUpTo, rule ? (i, leaf) => check!(i, leaf) : undefined);
    for (let read = await pages.next(); read; read = await pages.next()) {
      check = rule?.check(read.extra as X);
      const found = checker.page(read.page, read.tiles);
      if (found) {
        // (the reads ahead settle first: one statement at a time on a connection)
        await pages.drain();
        if (found.ifEdited && !(await hashesToRecorded(q, log, found.index!, found.ifEdited.hash)))
          return report({ index: found.index, what: found.ifEdited.what });
        return report({ index: found.index, what: found.what });
      }
      progress?.(checker.size, snapshot.total);
    }
    const d = checker.end(await readUpperTiles(q, log), await readStoredWidths(q, log));
    return report(d ?? (rule ? await rule.finish(q, log, checker.size) : null));
  } finally {
    await pages.drain();
  }
}
