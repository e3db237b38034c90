import type { Clock } from '../core/clock.ts';
import { PROBLEMS, Problem, forbidden, invalid, notFound } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import type { Database } from '../db/database.ts';
import type { Authorized } from '../gateway/index.ts';
import { feedCursor } from '../gateway/index.ts';
import { type Principal, administers, seesEverything } from '../registry/index.ts';
import type { Feed } from '../sync/index.ts';
import type { AccessTokenInfo } from '../accounts/index.ts';
import { type SubscriptionRow, createSubscriptionStore } from './store.ts';

/** What the consumer asks for on creation (`POST /data/v1/{dataset}/subscriptions`). */
export interface SubscriptionInput {
  url: string;
  filter?: Record<string, string> | undefined;
  fields?: string[] | undefined;
  batch_max?: number | undefined;
  /** `now` (default): changes after the feed's head; `beginning`: the whole feed. */
  start?: 'now' | 'beginning' | undefined;
  /** A feed cursor (`next_cursor` of GET …/changes): changes after it. */
  cursor?: string | undefined;
}

export interface SubscriptionPatch {
  url?: string | undefined;
  filter?: Record<string, string> | undefined;
  fields?: string[] | undefined;
  batch_max?: number | undefined;
  state?: 'active' | 'paused' | undefined;
}

/** The consumer (or custodian) view of a subscription and its delivery status. */
function present(s: SubscriptionRow, now: Date) {
  return {
    id: s.id,
    dataset: s.dataset_code,
    system: s.system_code,
    agency: s.agency_code,
    url: s.url,
    filter: s.filter,
    fields: s.fields,
    batch_max: s.batch_max,
    state: s.state,
    state_reason: s.state_reason,
    version: s.version,
    created_at: s.created_at.toISOString(),
    updated_at: s.updated_at.toISOString(),
    status: {
      position: s.position,
      sent_count: s.sent_count,
      batches_sent: s.batches_sent,
      last_success_at: s.last_success_at?.toISOString() ?? null,
      last_failure_at: s.last_failure_at?.toISOString() ?? null,
      last_failure_reason: s.last_failure_reason,
      consecutive_failures: s.consecutive_failures,
      next_attempt_at: s.state === 'active' ? s.next_attempt_at.toISOString() : null,
      delivering: s.lease_expires_at !== null && s.lease_expires_at > now,
    },
  };
}

const MAX_PER_SYSTEM_AND_DATASET = 20;

/** A receiver's address: http(s), no credentials in it (they would be logged and shown). */
function checkUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw invalid('/url', 'Địa chỉ nhận không hợp lệ.', 'The receiver URL is not valid.');
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:')
    throw invalid('/url', 'Địa chỉ nhận phải là http hoặc https.', 'The receiver URL must be http or https.');
  if (u.username || u.password) throw invalid('/url', 'Địa chỉ nhận không được chứa tên và mật khẩu.', 'The receiver URL must not carry credentials.');
  return u.toString();
}

/** filters only on fields the grant lets out whole. */
function checkFilter(filter: Record<string, string> | undefined, a: Authorized): void {
  const hidden = Object.keys(filter ?? {}).filter((f) => !a.plan.whole.has(f));
  if (hidden.length)
    throw forbidden(
      `Chỉ lọc được theo các trường được cấp; không được: ${hidden.join(', ')}.`,
      `Filters only on granted fields; not: ${hidden.join(', ')}.`,
      'R-8.2',
    );
}

/**
 * Subscriptions: the consumer system manages its own (through the gateway, with its token and the
 * decision); the custodian's officials and the coordinator read those of their datasets.
 */
export function createSubscriptions(db: Database, clock: Clock, deps: { feed: Feed; wake(): void }) {
  const store = createSubscriptionStore(db);

  async function own(token: AccessTokenInfo, dataset: string, id: string): Promise<SubscriptionRow> {
    const s = await store.get(id);
    // Another system's subscription is not revealed.
    if (!s || s.dataset_code !== dataset || s.system_code !== token.system) throw notFound('đăng ký nhận dữ liệu', 'subscription', id);
    return s;
  }

  async function startPosition(dataset: string, input: { start?: string | undefined; cursor?: string | undefined }): Promise<number> {
    if (input.cursor !== undefined) return feedCursor(input.cursor, dataset).p;
    if (input.start === 'beginning') return 0;
    return deps.feed.head(dataset);
  }

  return {
    store,

    async create(a: Authorized & { token: AccessTokenInfo }, purpose: string | undefined, input: SubscriptionInput) {
      const url = checkUrl(input.url);
      checkFilter(input.filter, a);
      const dataset = a.view.dataset.code;
      const mine = await store.list({ dataset, system: a.token.system });
      if (mine.length >= MAX_PER_SYSTEM_AND_DATASET)
        throw new Problem(PROBLEMS.conflict, {
          detail: `Mỗi hệ thống có tối đa ${MAX_PER_SYSTEM_AND_DATASET} đăng ký cho một bộ dữ liệu.`,
          detail_en: `A system has at most ${MAX_PER_SYSTEM_AND_DATASET} subscriptions per dataset.`,
        });
      const s = await store.insert(
        {
          id: newId(),
          dataset_code: dataset,
          custodian_code: a.view.dataset.custodian_code,
          system_code: a.token.system,
          agency_code: a.token.agency,
          client_id: a.token.client_id,
          purpose: purpose ?? null,
          url,
          filter: input.filter ?? {},
          fields: input.fields ?? null,
          batch_max: input.batch_max ?? 1,
          position: await startPosition(dataset, input),
        },
        clock.now(),
      );
      deps.wake();
      return present(s, clock.now());
    },

    async list(token: AccessTokenInfo, dataset: string) {
      return { items: (await store.list({ dataset, system: token.system })).map((s) => present(s, clock.now())) };
    },

    async get(token: AccessTokenInfo, dataset: string, id: string) {
      return present(await own(token, dataset, id), clock.now());
    },

    /** Pause or resume (a disabled subscription is resumed too, its failures forgotten), or change what it asks for. */
    async update(a: Authorized & { token: AccessTokenInfo }, id: string, patch: SubscriptionPatch) {
      const s = await own(a.token, a.view.dataset.code, id);
      checkFilter(patch.filter, a);
      const resume = patch.state === 'active' && s.state !== 'active';
      const updated = await store.update(
        id,
        {
          ...(patch.url !== undefined && { url: checkUrl(patch.url) }),
          ...(patch.filter !== undefined && { filter: patch.filter }),
          ...(patch.fields !== undefined && { fields: patch.fields }),
          ...(patch.batch_max !== undefined && { batch_max: patch.batch_max }),
          ...(patch.state !== undefined && { state: patch.state, state_reason: patch.state === 'paused' ? 'paused by the consumer' : null }),
          reset: resume,
        },
        clock.now(),
      );
      deps.wake();
      return present(updated!, clock.now());
    },

    async remove(token: AccessTokenInfo, dataset: string, id: string) {
      await own(token, dataset, id);
      const s = await store.update(id, { state: 'deleted', state_reason: 'deleted by the consumer' }, clock.now());
      return present(s!, clock.now());
    },

    /** Sends again from a feed cursor or from a time; a disabled subscription becomes active again. */
    async replay(token: AccessTokenInfo, dataset: string, id: string, from: { cursor?: string | undefined; from?: string | undefined }) {
      const s = await own(token, dataset, id);
      if ((from.cursor === undefined) === (from.from === undefined))
        throw invalid('/', 'Cần đúng một trong hai: `cursor` hoặc `from`.', 'Give exactly one of cursor or from.');
      let position: number;
      if (from.cursor !== undefined) position = feedCursor(from.cursor, dataset).p;
      else {
        const at = new Date(from.from!);
        if (Number.isNaN(at.getTime())) throw invalid('/from', 'Thời điểm không hợp lệ.', 'Invalid time.');
        position = await deps.feed.positionBefore(dataset, at);
      }
      const updated = await store.update(
        id,
        { position, ...(s.state === 'disabled' && { state: 'active' as const, state_reason: null }), reset: s.state !== 'paused' },
        clock.now(),
      );
      deps.wake();
      return present(updated!, clock.now());
    },

    /** The custodian's officials see the subscriptions of their agency's datasets; the coordinator and auditors see all. */
    async listForOfficial(p: Principal, f: { dataset?: string | undefined; state?: string | undefined }) {
      const custodian = seesEverything(p) ? undefined : p.agencyCode;
      if (custodian !== undefined && !administers(p, custodian, 'custodian_admin'))
        throw forbidden('Chỉ cán bộ của cơ quan chủ quản và điều phối viên xem được.', 'Only the custodian’s officials and the coordinator may read these.');
      return { items: (await store.list({ ...f, custodian })).map((s) => present(s, clock.now())) };
    },

    async getForOfficial(p: Principal, id: string) {
      const s = await store.get(id);
      if (!s || !(seesEverything(p) || administers(p, s.custodian_code, 'custodian_admin'))) throw notFound('đăng ký nhận dữ liệu', 'subscription', id);
      return present(s, clock.now());
    },
  };
}

export type Subscriptions = ReturnType<typeof createSubscriptions>;
