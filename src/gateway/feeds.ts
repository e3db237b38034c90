import crypto from 'node:crypto';
import { PROBLEMS, Problem } from '../core/errors.ts';
import type { Change, Feed } from '../sync/index.ts';
import type { Exchange, GatewayRequest, GatewayResponse, Outcome } from './exchange.ts';
import { newId } from '../core/ids.ts';
import type { Authorized, DeliveryParty } from './service.ts';
import { createCache } from '../core/cache.ts';
import { planKey, shapeRecord } from './shaping.ts';

/**
 * The change feed and the consistent snapshot of a hosted dataset through the gateway (R-4.3,
 * R-6.1c; docs/sync.md). Each page is one exchange of the gateway's pipeline — token, decision
 * (grant, suspension R-15, revocation and termination R-16), shaping and masking to the granted
 * fields, JWE for secret data (R-11, on tslcd only: ), signature and sharing-log entry with
 * its receipt — so a page is refused the moment the consumer may no longer read.
 */
export interface Pipeline {
  exchange(req: GatewayRequest, form: Exchange['form'], work: (ex: Exchange) => Promise<Outcome>): Promise<GatewayResponse>;
  authorizeRead(ex: Exchange, code: string, asked: string[] | undefined, negotiate?: boolean, throttled?: boolean): Promise<Authorized>;
  protect(a: Authorized, status: number, value: unknown): Promise<Outcome>;
  askedFields(q: Record<string, string>): string[] | undefined;
  ownExchange(req: GatewayRequest, form: Exchange['form'], work: (ex: Exchange) => Promise<Outcome>): Promise<GatewayResponse>;
  authorizeDelivery(ex: Exchange, code: string, party: DeliveryParty): Promise<Authorized>;
}

/** One batch of a scheduled delivery: the signed, logged answer to send, and where the feed stands after it. */
export interface DeliveryBatch {
  response: GatewayResponse;
  /** The feed position the batch ends at (the cursor to keep once the consumer has taken it). */
  position: number;
  count: number;
  more: boolean;
}

const MAX_PAGE = 1000;

/** `limit` of a page: 1–1000, 100 when not given. */
function pageLimit(q: Record<string, string>): number {
  const limit = q.limit === undefined ? 100 : Number(q.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE)
    throw new Problem(PROBLEMS.badRequest, { detail: `limit phải từ 1 đến ${MAX_PAGE}.`, detail_en: `limit must be 1 to ${MAX_PAGE}.` });
  return limit;
}

/** Where a consumer is: in the feed after position `p`, or in the snapshot as of `at` after key `k`. */
type FeedCursor = { d: string; p: number };
type SnapshotCursor = { d: string; at: number; k: string | null };

export const encode = (c: FeedCursor | SnapshotCursor) => Buffer.from(JSON.stringify({ v: 1, ...c })).toString('base64url');

function badCursor(): Problem {
  return new Problem(PROBLEMS.badRequest, {
    detail: 'Con trỏ không hợp lệ hoặc thuộc bộ dữ liệu khác.',
    detail_en: 'The cursor is invalid or belongs to another dataset.',
  });
}

const isPosition = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;

function decode(cursor: string, dataset: string): Record<string, unknown> {
  let c: unknown;
  try {
    c = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor();
  }
  if (typeof c !== 'object' || c === null || (c as { v?: unknown }).v !== 1 || (c as { d?: unknown }).d !== dataset) throw badCursor();
  return c as Record<string, unknown>;
}

/** The feed position a cursor names (a `/changes` or `/stream` cursor, an SSE event id). */
export function feedCursor(cursor: string, dataset: string): FeedCursor {
  const c = decode(cursor, dataset);
  if (!isPosition(c.p)) throw badCursor();
  return { d: dataset, p: c.p };
}

function snapshotCursor(cursor: string, dataset: string): SnapshotCursor {
  const c = decode(cursor, dataset);
  if (!isPosition(c.at) || !(c.k === null || (typeof c.k === 'string' && /^[A-Za-z0-9._:-]{1,200}$/.test(c.k)))) throw badCursor();
  return { d: dataset, at: c.at, k: c.k };
}

/** The feed is of data the platform holds: a proxy dataset's records stay with its custodian. */
export function requireHosted(a: Authorized): void {
  if (a.view.dataset.mode !== 'hosted') {
    throw new Problem(PROBLEMS.unprocessable, {
      rule: 'R-6.1c',
      detail: 'Chỉ bộ dữ liệu lưu trên nền tảng có luồng thay đổi, ảnh chụp và kết xuất.',
      detail_en: 'Only datasets hosted on the platform have a change feed, snapshots and exports.',
    });
  }
}

export const changeOf = (code: string, a: Authorized) => (c: Change) => ({
  // Stable: the same change has the same id on every delivery, so a consumer de-duplicates on it.
  id: `${code}:${c.position}`,
  position: c.position,
  key: c.key,
  version: c.version,
  op: c.deleted ? ('delete' as const) : ('upsert' as const),
  changed_at: c.written_at,
  data: c.data ? shapeRecord(c.data, a.plan) : null,
});

/** What one page of the feed asks: the changes after a position, how many. */
interface PageAsk {
  after: number;
  limit: number;
}

type Page = Outcome & { last: number; count: number; more: boolean };

/** A page as many readers get it: its protected body, and the keys each reader's log entry names. */
interface SharedPage {
  page: Page;
  keys: string[];
}

/**
 * Pages shared by the streams that ask for the same one (streams.ts): a hundred streams of one
 * grant woken by one write read, shape and serialise its changes once, not a hundred times. Kept
 * briefly: streams in step ask within a few turns of each other.
 */
const SHARED_PAGES = { max: 64, ttlMs: 2_000 };

export function createFeedReads(p: Pipeline, feed: Feed) {
  const shared = createCache<string, SharedPage>(SHARED_PAGES);

  /**
   * One page of changes after `ask.after`, decided, shaped, masked and protected: the body of a
   * `/changes` answer and of a stream's batch alike (streams.ts), so both send the same bytes.
   * `seenHead`: the feed's head the caller has read since it was woken — a stream's page, which
   * may then be the one another stream of the same shape was given at that head.
   */
  async function changesPage(ex: Exchange, req: GatewayRequest, code: string, throttled: boolean, ask: () => PageAsk, seenHead?: number): Promise<Page> {
    const a = await p.authorizeRead(ex, code, p.askedFields(req.query), throttled, throttled);
    // The cursor and the limit are read after the decision: a refused caller learns nothing of them.
    return seenHead === undefined ? pageFor(ex, a, code, ask()) : sharedPage(ex, a, code, ask(), seenHead);
  }

  /** The page after `after` for a decided caller `a`: the one body of `/changes`, a stream's batch and a scheduled delivery. */
  async function pageFor(ex: Exchange, a: Authorized, code: string, ask: PageAsk): Promise<Page> {
    requireHosted(a);
    const [rows, head] = await Promise.all([feed.changes(code, ask.after, ask.limit), feed.head(code)]);
    const { page, keys } = await protectPage(a, code, ask.after, rows, head);
    ex.recordKeys = keys;
    return page;
  }

  /**
   * The page after `ask.after` for a caller that has seen the feed at `head`. The page's rows are
   * read after that head was, so every change up to it is in it (a dataset's changes commit in
   * position order): any page of the same dataset, position, size, head and shape is as good an
   * answer, and one is read and shaped for all of them. Secret data is not shared: its JWE is for
   * one consumer system's key.
   */
  async function sharedPage(ex: Exchange, a: Authorized, code: string, ask: PageAsk, head: number): Promise<Page> {
    requireHosted(a);
    if (a.view.secret) return pageFor(ex, a, code, ask);
    // the shape is part of the key — a page is shared only by readers it shapes alike.
    const key = [code, ask.after, ask.limit, head, planKey(a.plan)].join('\u0000');
    const { page, keys } = await shared.get(key, async () => {
      const made = await protectPage(a, code, ask.after, await feed.changes(code, ask.after, ask.limit), head);
      return { ...made, page: { ...made.page, digest: crypto.hash('sha256', made.page.body, 'buffer') } };
    });
    ex.recordKeys = keys;
    return page;
  }

  async function protectPage(a: Authorized, code: string, after: number, rows: readonly Change[], head: number): Promise<SharedPage> {
    const last = rows.at(-1)?.position ?? after;
    const outcome = await p.protect(a, 200, {
      dataset: code,
      items: rows.map(changeOf(code, a)),
      // Always given: a consumer at the end keeps it and asks again later.
      next_cursor: encode({ d: code, p: last }),
      head: Math.max(head, last),
      more: last < head,
    });
    return { page: { ...outcome, last, count: rows.length, more: last < head }, keys: rows.map((r) => r.key) };
  }

  return {
    changesPage,
    /**
     * R-6.1c: the changes after `after` for a scheduled delivery to the agreement's consumer — the
     * same page as `/changes` (decided, shaped and masked to the grant, JWE for secret data on
     * tslcd only), signed and written to the custodian's sharing log before it is sent.
     */
    async deliveryBatch(code: string, party: DeliveryParty, after: number, limit: number): Promise<DeliveryBatch> {
      let position = after;
      let count = 0;
      let more = false;
      const requestId = newId();
      const req: GatewayRequest = {
        requestId,
        method: 'POST',
        path: `/data/v1/${code}/changes`,
        query: { cursor: encode({ d: code, p: after }), limit: String(limit), schedule: party.schedule, endpoint: party.endpoint },
        authorization: undefined,
        purpose: party.purpose,
        traceId: requestId,
        zone: party.zone,
        ip: 'scheduled-delivery',
      };
      const response = await p.ownExchange(req, 'sync', async (ex) => {
        const page = await pageFor(ex, await p.authorizeDelivery(ex, code, party), code, { after, limit });
        ({ last: position, count, more } = page);
        return page;
      });
      return { response, position, count, more };
    },

    /** GET /data/v1/{dataset}/changes?cursor=&limit=&fields= — changes in commit order after the cursor (from the start without one). */
    changes(req: GatewayRequest, code: string): Promise<GatewayResponse> {
      return p.exchange(req, 'sync', (ex) =>
        changesPage(ex, req, code, true, () => ({
          limit: pageLimit(req.query),
          after: req.query.cursor === undefined ? 0 : feedCursor(req.query.cursor, code).p,
        })),
      );
    },

    /**
     * GET /data/v1/{dataset}/snapshot?cursor=&limit=&fields= — the dataset as of one feed position,
     * in key order, page after page; `changes_cursor` continues in the feed right after it.
     */
    snapshot(req: GatewayRequest, code: string): Promise<GatewayResponse> {
      return p.exchange(req, 'sync', async (ex) => {
        const a = await p.authorizeRead(ex, code, p.askedFields(req.query));
        requireHosted(a);
        const limit = pageLimit(req.query);
        const c = req.query.cursor === undefined ? { d: code, at: await feed.head(code), k: null } : snapshotCursor(req.query.cursor, code);
        const page = await feed.snapshotPage(code, c.at, c.k, limit);
        ex.recordKeys = page.items.map((r) => r.key);
        const items = page.items.map((r) => ({ key: r.key, version: r.version, updated_at: r.written_at, data: shapeRecord(r.data ?? {}, a.plan) }));
        return p.protect(a, 200, {
          dataset: code,
          position: c.at,
          items,
          next_cursor: page.next_after === null ? null : encode({ d: code, at: c.at, k: page.next_after }),
          changes_cursor: encode({ d: code, p: c.at }),
        });
      });
    },
  };
}
