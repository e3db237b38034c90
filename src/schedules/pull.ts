import { canonicalJson } from '../core/canonical.ts';
import { Problem } from '../core/errors.ts';
import type { RecordWrite } from '../sync/index.ts';
import type { ScheduleDeps } from './deps.ts';
import type { RunError, Schedule } from './service.ts';

/** What a run counts as it goes. */
export interface Tally {
  fetched: number;
  written: number;
  unchanged: number;
  deleted: number;
  refused: number;
  delivered: number;
  errors: RunError[];
  receipts: string[];
  /** Where the next run starts: the service's `cursor` (pull) or the feed position reached (delivery). */
  cursor: string | null;
}

interface PullContext extends ScheduleDeps {
  now(): Date;
  renew(): Promise<void>;
  stop(vi: string, en: string, rule?: string): Error;
}

/** Keys as every write takes them (sync routes' `Key`). */
const KEY = /^[A-Za-z0-9._:-]{1,200}$/;
/** One write of the record store: at most this many records (sync's MAX_BATCH). */
const WRITE_CHUNK = 5000;
const MAX_PAGES = 10_000;
const LIVE_PAGE = 1000;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One page of the service's answer (docs/schedules.md: the pull contract). */
interface PulledPage {
  items: { index: number; key: string | null; data?: Record<string, unknown>; deleted?: true; error?: RunError }[];
  next_page: string | null;
  cursor: string | null;
}

function readPage(body: Buffer, ctx: PullContext): PulledPage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw ctx.stop('Dịch vụ của cơ quan chủ quản trả về JSON không hợp lệ.', 'The custodian service returned malformed JSON.');
  }
  const bad = () =>
    ctx.stop(
      'Câu trả lời của dịch vụ không theo quy ước đồng bộ: {"items": [...], "next_page", "cursor"}.',
      'The service answer does not follow the synchronisation contract: {"items": [...], "next_page", "cursor"}.',
      'R-6.1c',
    );
  if (!isObject(parsed) || !Array.isArray(parsed.items)) throw bad();
  const text = (v: unknown) => (v === undefined || v === null ? null : typeof v === 'string' && v.length <= 2000 ? v : undefined);
  const next_page = text(parsed.next_page);
  const cursor = text(parsed.cursor);
  if (next_page === undefined || cursor === undefined) throw bad();
  const items = parsed.items.map((it: unknown, index) => {
    const key = isObject(it) && typeof it.key === 'string' && KEY.test(it.key) ? it.key : null;
    const fail = (message: string, message_en: string) => ({ index, key, error: { key, path: `/items/${index}`, message, message_en } });
    if (!isObject(it) || key === null) return fail('Bản ghi không có khoá hợp lệ.', 'The record has no valid key.');
    if (it.deleted === true) return { index, key, deleted: true as const };
    if (!isObject(it.data)) return fail('Bản ghi không có nội dung ("data").', 'The record has no content ("data").');
    return { index, key, data: it.data };
  });
  return { items, next_page, cursor };
}

/**
 * R-6.1c pull: pages of the custodian's registered service into its hosted dataset. Each record is
 * validated exactly as any write is (catalog.validate, then sync's writeAs, all or nothing per
 * write); a record that fails is refused and reported in the run with its key and reasons, never
 * written in part. Records whose content did not change are not written again; the writes name
 * `schedule:<id>` and the custodian as producer, so the change feed carries them like any other.
 * A full pull then tombstones the live keys the service no longer lists.
 */
export async function pull(s: Schedule, tally: Tally, ctx: PullContext): Promise<void> {
  const code = s.dataset_code;
  const writer = `schedule:${s.id}`;
  const listed = new Set<string>();
  const startedAt = ctx.now();
  let page: string | null = null;
  let lastCursor: string | null = null;
  for (let n = 0; ; n++) {
    if (n === MAX_PAGES) throw ctx.stop('Dịch vụ trả quá nhiều trang.', 'The service returned too many pages.');
    const query: Record<string, string> = {};
    if (s.mode === 'incremental' && s.cursor) query.updated_since = s.cursor;
    if (page !== null) query.page = page;
    const answer = await ctx.gateway.pullPage(code, query);
    if (answer.status !== 200) throw ctx.stop(`Dịch vụ của cơ quan chủ quản trả lời ${answer.status}.`, `The custodian service answered ${answer.status}.`);
    const got = readPage(answer.body, ctx);
    tally.fetched += got.items.length;
    const seen = new Set<string>();
    const candidates: { key: string; data?: Record<string, unknown>; deleted?: true; index: number }[] = [];
    for (const it of got.items) {
      if (it.key !== null) listed.add(it.key);
      if (it.error) {
        refuse(tally, it.error);
        continue;
      }
      if (seen.has(it.key!)) {
        refuse(tally, {
          key: it.key,
          path: `/items/${it.index}`,
          message: 'Khoá lặp lại trong cùng một trang.',
          message_en: 'The key repeats within the page.',
        });
        continue;
      }
      seen.add(it.key!);
      candidates.push(it as (typeof candidates)[number]);
    }
    await writeChanged(code, writer, candidates, tally, ctx);
    await ctx.renew();
    lastCursor = got.cursor ?? lastCursor;
    if (got.next_page === null) break;
    page = got.next_page;
  }
  if (s.mode === 'full') await tombstoneUnlisted(code, writer, listed, tally, ctx);
  // A service that gives no cursor is asked next time for what changed since this run began.
  tally.cursor = lastCursor ?? startedAt.toISOString();
}

function refuse(tally: Tally, e: RunError): void {
  tally.refused += 1;
  if (tally.errors.length < 1000) tally.errors.push(e);
}

/** Validates the page's records, leaves out the invalid and the unchanged, and writes the rest. */
async function writeChanged(
  code: string,
  writer: string,
  items: { key: string; data?: Record<string, unknown>; deleted?: true; index: number }[],
  tally: Tally,
  ctx: PullContext,
): Promise<void> {
  if (items.length === 0) return;
  const upserts = items.filter((i) => i.data);
  const result = await ctx.catalog.validate(
    code,
    upserts.map((u) => u.data),
  );
  const invalid = new Set<number>();
  for (const v of result.violations) {
    const u = upserts[v.record]!;
    invalid.add(v.record);
    refuse(tally, { key: u.key, path: `/items/${u.index}/data${v.field ? `/${v.field}` : ''}`, message: v.message, message_en: v.message_en });
  }
  const valid = new Set(upserts.filter((_, i) => !invalid.has(i)));
  const live = new Map(
    (await ctx.sync.records.readLiveMany(items.map((i) => ({ dataset: code, key: i.key })))).filter((r) => !r.error).map((r) => [r.key, r.data]),
  );
  const writes: RecordWrite[] = [];
  for (const it of items) {
    if (it.deleted) {
      if (live.has(it.key)) writes.push({ key: it.key, delete: true });
      else tally.unchanged += 1;
    } else if (valid.has(it)) {
      const current = live.get(it.key);
      if (current && canonicalJson(current) === canonicalJson(it.data)) tally.unchanged += 1;
      else writes.push({ key: it.key, data: it.data! });
    }
  }
  await writeAll(code, writer, writes, tally, ctx);
}

async function writeAll(code: string, writer: string, writes: RecordWrite[], tally: Tally, ctx: PullContext): Promise<void> {
  for (let i = 0; i < writes.length; i += WRITE_CHUNK) {
    const chunk = writes.slice(i, i + WRITE_CHUNK);
    try {
      await ctx.sync.records.writeAs(writer, code, chunk);
    } catch (err) {
      // Validated just before: what is refused now changed in between (a code list, a concurrent write).
      if (err instanceof Problem && err.status < 500) {
        throw ctx.stop(
          `Không ghi được một lô bản ghi: ${err.options.detail ?? err.kind.title}`,
          `A batch of records could not be written: ${err.options.detail_en ?? err.kind.title_en}`,
          err.options.rule,
        );
      }
      throw err;
    }
    for (const w of chunk) {
      if (w.delete) tally.deleted += 1;
      else tally.written += 1;
    }
  }
}

/** Full mode: a live key the service no longer lists was removed at the source — a tombstone keeps its history. */
async function tombstoneUnlisted(code: string, writer: string, listed: Set<string>, tally: Tally, ctx: PullContext): Promise<void> {
  const gone: RecordWrite[] = [];
  for (let after: string | null = null; ;) {
    const page = await ctx.sync.records.livePage(code, after, LIVE_PAGE);
    for (const r of page) if (!listed.has(r.key)) gone.push({ key: r.key, delete: true });
    if (page.length < LIVE_PAGE) break;
    after = page.at(-1)!.key;
  }
  await writeAll(code, writer, gone, tally, ctx);
}
