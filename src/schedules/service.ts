import { PROBLEMS, Problem, conflict, forbidden, invalid, notFound, staleVersion } from '../core/errors.ts';
import type { Clock } from '../core/clock.ts';
import { newId } from '../core/ids.ts';
import type { Database, Queryable } from '../db/database.ts';
import { recordChange } from '../db/history.ts';
import { type Principal, administers, seesEverything } from '../registry/index.ts';
import { SCHEDULE_TIME_ZONE, checkCron, nextRun } from './cron.ts';
import type { ScheduleDeps } from './deps.ts';

type Direction = 'pull' | 'deliver';
type PullMode = 'full' | 'incremental';
export type RunStatus = 'running' | 'succeeded' | 'partial' | 'failed' | 'refused' | 'interrupted';

export interface Schedule {
  id: string;
  direction: Direction;
  dataset_code: string;
  custodian_code: string;
  consumer_code: string | null;
  agreement_id: string | null;
  mode: PullMode | null;
  endpoint_url: string | null;
  cron: string;
  time_zone: string;
  procedure: string;
  status: 'active' | 'paused';
  cursor: string | null;
  next_run_at: Date | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
  version: number;
}

/** A refused record of a pull: its key and why (the same messages as any write's validation). */
export interface RunError {
  key: string | null;
  path: string;
  message: string;
  message_en: string;
}

export interface Run {
  id: string;
  schedule_id: string;
  trigger: 'schedule' | 'manual';
  runner: string;
  started_at: Date;
  finished_at: Date | null;
  status: RunStatus;
  fetched: number;
  written: number;
  unchanged: number;
  deleted: number;
  refused: number;
  delivered: number;
  errors: RunError[];
  error: string | null;
  error_en: string | null;
  rule: string | null;
  cursor_from: string | null;
  cursor_to: string | null;
  receipts: string[];
}

export type ScheduleView = Schedule & { last_run: Run | null };

export type ScheduleInput =
  | { direction: 'pull'; dataset_code: string; mode: PullMode; cron: string; procedure?: string | undefined }
  | { direction: 'deliver'; agreement_id: string; endpoint_url: string; cron: string; procedure?: string | undefined };

export interface SchedulePatch {
  cron?: string | undefined;
  procedure?: string | undefined;
  mode?: PullMode | undefined;
  endpoint_url?: string | undefined;
}

export const SCHEDULE_COLUMNS =
  'id, direction, dataset_code, custodian_code, consumer_code, agreement_id, mode, endpoint_url, cron, time_zone, procedure, status, cursor, next_run_at, created_by, created_at, updated_at, version';
export const RUN_COLUMNS =
  'id, schedule_id, trigger, runner, started_at, finished_at, status, fetched, written, unchanged, deleted, refused, delivered, errors, error, error_en, rule, cursor_from, cursor_to, receipts';

/** A consumer's endpoint: absolute http(s), no credentials in it (they would sit in the database and the logs). */
function checkEndpoint(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid('/endpoint_url', 'Địa chỉ nhận dữ liệu phải là URL tuyệt đối.', 'The delivery endpoint must be an absolute URL.');
  }
  if (!/^https?:$/.test(url.protocol) || url.username || url.password || url.hash) {
    throw invalid(
      '/endpoint_url',
      'Địa chỉ nhận dữ liệu phải là http(s), không có mật khẩu hay phân đoạn.',
      'The delivery endpoint must be http(s) without credentials or fragment.',
    );
  }
  return url.href;
}

/** The agreement statuses under which a delivery may run, and the rule that stops the others. */
export function agreementStop(status: string): { rule: string; vi: string; en: string } | null {
  switch (status) {
    case 'active':
      return null;
    case 'suspended':
      return { rule: 'R-15.2', vi: 'Kết nối của bên khai thác đang bị tạm ngừng.', en: "The consumer's connection is suspended." };
    case 'terminated':
      return { rule: 'R-16.1', vi: 'Thoả thuận đã bị chấm dứt.', en: 'The agreement has been terminated.' };
    case 'expired':
    case 'withdrawn':
      return { rule: 'R-16.1', vi: 'Thoả thuận đã hết hiệu lực hoặc đã được rút.', en: 'The agreement has expired or was withdrawn.' };
    case 'revoked':
      return { rule: 'R-8.2', vi: 'Thoả thuận đã bị thu hồi.', en: 'The agreement has been revoked.' };
    case 'scheduled':
      return { rule: 'R-4.2', vi: 'Thoả thuận chưa đến ngày có hiệu lực.', en: 'The agreement is not yet in force.' };
    default:
      return { rule: 'R-4.2', vi: 'Thoả thuận chưa được phê duyệt.', en: 'The agreement is not approved.' };
  }
}

/** Schedules as officials define and see them; the runs are made by the runner (runner.ts). */
export function createScheduleService(db: Database, clock: Clock, deps: ScheduleDeps) {
  async function load(id: string, q: Queryable = db, lock = false): Promise<Schedule> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw notFound('lịch đồng bộ', 'schedule', id);
    const r = await q.query<Schedule>(`SELECT ${SCHEDULE_COLUMNS} FROM sync_schedules WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    if (!r.rows[0]) throw notFound('lịch đồng bộ', 'schedule', id);
    return r.rows[0];
  }

  /** The parties see their schedules; coordinators and auditors see all; others get 404, so existence does not leak. */
  function visible(p: Principal, s: Schedule): boolean {
    return seesEverything(p) || p.agencyCode === s.custodian_code || p.agencyCode === s.consumer_code;
  }

  /** Who may change, pause or run a schedule: the custodian's admins (both directions: it is their data), the consumer's for a delivery, the coordinator. */
  function mayAct(p: Principal, s: Schedule): boolean {
    return administers(p, s.custodian_code, 'custodian_admin') || (s.consumer_code !== null && administers(p, s.consumer_code, 'consumer_admin'));
  }

  async function visibleOne(p: Principal, id: string): Promise<Schedule> {
    const s = await load(id);
    if (!visible(p, s)) throw notFound('lịch đồng bộ', 'schedule', id);
    return s;
  }

  async function actable(p: Principal, id: string): Promise<Schedule> {
    const s = await visibleOne(p, id);
    if (!mayAct(p, s))
      throw forbidden(
        'Chỉ quản trị viên của cơ quan chủ quản, của bên khai thác (lịch gửi) hoặc điều phối được thay đổi lịch đồng bộ.',
        "Only the custodian's administrators, the consumer's (deliveries) or the coordinator change a schedule.",
        'R-6.1c',
      );
    return s;
  }

  async function lastRuns(ids: string[]): Promise<Map<string, Run>> {
    if (ids.length === 0) return new Map();
    const r = await db.query<Run>(
      `SELECT DISTINCT ON (schedule_id) ${RUN_COLUMNS} FROM sync_runs WHERE schedule_id = ANY($1) ORDER BY schedule_id, started_at DESC, id DESC`,
      [ids],
    );
    return new Map(r.rows.map((x) => [x.schedule_id, x]));
  }

  async function withLastRun(s: Schedule): Promise<ScheduleView> {
    return { ...s, last_run: (await lastRuns([s.id])).get(s.id) ?? null };
  }

  /** R-6.1c: a pull reads the custodian's registered service into one of its hosted datasets. */
  async function pullFacts(p: Principal, code: string) {
    const d = await deps.catalog.datasets.get(code);
    if (!administers(p, d.custodian_code, 'custodian_admin'))
      throw forbidden(
        'Chỉ quản trị viên của cơ quan chủ quản (hoặc điều phối) định kỳ lấy dữ liệu vào bộ dữ liệu.',
        "Only the custodian's administrators (or the coordinator) schedule pulls into a dataset.",
        'R-4.1',
      );
    if (d.mode !== 'hosted')
      throw new Problem(PROBLEMS.unprocessable, {
        rule: 'R-6.1c',
        detail: 'Chỉ bộ dữ liệu lưu trên nền tảng nhận dữ liệu đồng bộ định kỳ.',
        detail_en: 'Only a dataset hosted on the platform takes scheduled pulls.',
      });
    if (!(await deps.upstreams.forDataset(code)))
      throw new Problem(PROBLEMS.unprocessable, {
        rule: 'R-6.1c',
        detail: 'Cơ quan chủ quản chưa khai báo dịch vụ của bộ dữ liệu (PUT /api/v1/datasets/{code}/service).',
        detail_en: 'The custodian has not registered the dataset service (PUT /api/v1/datasets/{code}/service).',
      });
    return d;
  }

  /** R-6.1c: a delivery goes under an agreement whose forms include synchronisation, for the consumer it names. */
  async function deliverFacts(p: Principal, agreementId: string) {
    const a = await deps.agreements.service.byId(agreementId).catch((err: unknown) => {
      if (err instanceof Problem && err.status === 404) throw notFound('thoả thuận', 'agreement', agreementId);
      throw err;
    });
    const party = seesEverything(p) || p.agencyCode === a.consumer_code || p.agencyCode === a.custodian_code;
    if (!party) throw notFound('thoả thuận', 'agreement', agreementId);
    if (!administers(p, a.consumer_code, 'consumer_admin'))
      throw forbidden(
        'Chỉ quản trị viên của bên khai thác (hoặc điều phối) khai báo nơi nhận dữ liệu đồng bộ.',
        "Only the consumer's administrators (or the coordinator) name where synchronised data is delivered.",
        'R-6.1c',
      );
    if (!a.forms.includes('sync'))
      throw new Problem(PROBLEMS.unprocessable, {
        rule: 'R-6.1c',
        detail: 'Thoả thuận không có hình thức đồng bộ định kỳ ("sync").',
        detail_en: 'The agreement does not include periodic synchronisation ("sync") among its forms.',
      });
    const stop = agreementStop(a.effective_status === 'scheduled' ? 'active' : a.effective_status);
    if (stop) throw new Problem(PROBLEMS.unprocessable, { rule: stop.rule, detail: stop.vi, detail_en: stop.en });
    const d = await deps.catalog.datasets.get(a.dataset_code);
    if (d.mode !== 'hosted')
      throw new Problem(PROBLEMS.unprocessable, {
        rule: 'R-6.1c',
        detail: 'Chỉ bộ dữ liệu lưu trên nền tảng có luồng thay đổi để gửi định kỳ.',
        detail_en: 'Only a dataset hosted on the platform has a change feed to deliver.',
      });
    return { a, d };
  }

  return {
    load,

    async create(p: Principal, input: ScheduleInput): Promise<ScheduleView> {
      const cron = checkCron(input.cron);
      const now = clock.now();
      const id = newId();
      let row: Omit<Schedule, 'id' | 'time_zone' | 'status' | 'cursor' | 'created_by' | 'created_at' | 'updated_at' | 'version' | 'next_run_at'>;
      if (input.direction === 'pull') {
        const d = await pullFacts(p, input.dataset_code);
        row = {
          direction: 'pull',
          dataset_code: d.code,
          custodian_code: d.custodian_code,
          consumer_code: null,
          agreement_id: null,
          mode: input.mode,
          endpoint_url: null,
          cron,
          procedure: input.procedure ?? '',
        };
      } else {
        const endpoint = checkEndpoint(input.endpoint_url);
        const { a, d } = await deliverFacts(p, input.agreement_id);
        row = {
          direction: 'deliver',
          dataset_code: d.code,
          custodian_code: a.custodian_code,
          consumer_code: a.consumer_code,
          agreement_id: a.id,
          mode: null,
          endpoint_url: endpoint,
          cron,
          procedure: input.procedure ?? '',
        };
      }
      const saved = await db.transaction(async (tx) => {
        const r = await tx.query<Schedule>(
          `INSERT INTO sync_schedules (id, direction, dataset_code, custodian_code, consumer_code, agreement_id, mode, endpoint_url, cron, time_zone, procedure,
             next_run_at, created_by, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) RETURNING ${SCHEDULE_COLUMNS}`,
          [
            id,
            row.direction,
            row.dataset_code,
            row.custodian_code,
            row.consumer_code,
            row.agreement_id,
            row.mode,
            row.endpoint_url,
            row.cron,
            SCHEDULE_TIME_ZONE,
            row.procedure,
            nextRun(cron, now),
            p.username,
            now,
          ],
        );
        await recordChange(tx, { entity: 'sync_schedule', key: id, action: 'create', actor: p.username, at: now, after: r.rows[0] });
        return r.rows[0]!;
      });
      return { ...saved, last_run: null };
    },

    async list(p: Principal, f: { dataset?: string | undefined; direction?: string | undefined; limit: number; offset: number }) {
      const params: unknown[] = [];
      const where: string[] = [];
      if (!seesEverything(p)) {
        params.push(p.agencyCode);
        where.push(`(custodian_code = $${params.length} OR consumer_code = $${params.length})`);
      }
      if (f.dataset !== undefined) {
        params.push(f.dataset);
        where.push(`dataset_code = $${params.length}`);
      }
      if (f.direction !== undefined) {
        params.push(f.direction);
        where.push(`direction = $${params.length}`);
      }
      const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
      const total = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM sync_schedules ${w}`, params);
      const r = await db.query<Schedule>(
        `SELECT ${SCHEDULE_COLUMNS} FROM sync_schedules ${w} ORDER BY created_at DESC, id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
        [...params, f.limit, f.offset],
      );
      const last = await lastRuns(r.rows.map((s) => s.id));
      return { items: r.rows.map((s) => ({ ...s, last_run: last.get(s.id) ?? null })), total: total.rows[0]!.n };
    },

    get: async (p: Principal, id: string): Promise<ScheduleView> => withLastRun(await visibleOne(p, id)),

    async update(p: Principal, id: string, patch: SchedulePatch, ifVersion?: number): Promise<ScheduleView> {
      const s0 = await actable(p, id);
      const cron = patch.cron === undefined ? undefined : checkCron(patch.cron);
      if (patch.mode !== undefined && s0.direction !== 'pull') throw invalid('/mode', 'Chỉ lịch lấy dữ liệu có chế độ.', 'Only a pull has a mode.');
      if (patch.endpoint_url !== undefined && s0.direction !== 'deliver')
        throw invalid('/endpoint_url', 'Chỉ lịch gửi dữ liệu có địa chỉ nhận.', 'Only a delivery has an endpoint.');
      if (patch.endpoint_url !== undefined && !administers(p, s0.consumer_code!, 'consumer_admin'))
        throw forbidden('Chỉ bên khai thác khai báo nơi nhận dữ liệu.', 'Only the consumer names where data is delivered.', 'R-6.1c');
      const endpoint = patch.endpoint_url === undefined ? undefined : checkEndpoint(patch.endpoint_url);
      const now = clock.now();
      const saved = await db.transaction(async (tx) => {
        const before = await load(id, tx, true);
        if (ifVersion !== undefined && ifVersion !== before.version) throw staleVersion(before.version);
        const nextCron = cron ?? before.cron;
        const r = await tx.query<Schedule>(
          `UPDATE sync_schedules SET cron = $2, procedure = $3, mode = $4, endpoint_url = $5, next_run_at = $6, updated_at = $7, version = version + 1
            WHERE id = $1 RETURNING ${SCHEDULE_COLUMNS}`,
          [
            id,
            nextCron,
            patch.procedure ?? before.procedure,
            patch.mode ?? before.mode,
            endpoint ?? before.endpoint_url,
            cron === undefined ? before.next_run_at : nextRun(nextCron, now),
            now,
          ],
        );
        await recordChange(tx, { entity: 'sync_schedule', key: id, action: 'update', actor: p.username, at: now, before, after: r.rows[0] });
        return r.rows[0]!;
      });
      return withLastRun(saved);
    },

    /** Paused: no scheduled run starts (a run under way finishes its page); resumed: the next run is the next the expression names from now. */
    async setStatus(p: Principal, id: string, status: 'active' | 'paused', reason?: string): Promise<ScheduleView> {
      await actable(p, id);
      const now = clock.now();
      const saved = await db.transaction(async (tx) => {
        const before = await load(id, tx, true);
        if (before.status === status) return before;
        const r = await tx.query<Schedule>(
          `UPDATE sync_schedules SET status = $2, next_run_at = $3, updated_at = $4, version = version + 1 WHERE id = $1 RETURNING ${SCHEDULE_COLUMNS}`,
          [id, status, status === 'active' ? nextRun(before.cron, now) : before.next_run_at, now],
        );
        await recordChange(tx, {
          entity: 'sync_schedule',
          key: id,
          action: status === 'active' ? 'resume' : 'pause',
          actor: p.username,
          at: now,
          reason,
          before,
          after: r.rows[0],
        });
        return r.rows[0]!;
      });
      return withLastRun(saved);
    },

    async runs(p: Principal, id: string, f: { limit: number; offset: number }): Promise<{ items: Run[]; total: number }> {
      await visibleOne(p, id);
      const [r, total] = await Promise.all([
        db.query<Run>(`SELECT ${RUN_COLUMNS} FROM sync_runs WHERE schedule_id = $1 ORDER BY started_at DESC, id DESC LIMIT $2 OFFSET $3`, [
          id,
          f.limit,
          f.offset,
        ]),
        db.query<{ n: number }>('SELECT count(*)::int AS n FROM sync_runs WHERE schedule_id = $1', [id]),
      ]);
      return { items: r.rows, total: total.rows[0]!.n };
    },

    /** Checks `p` may run the schedule now (the runner makes the run). */
    mayRun: (p: Principal, id: string) => actable(p, id),

    notRunning: () => conflict('Lịch đồng bộ đang được chạy ở nơi khác; thử lại sau.', 'The schedule is being run elsewhere; try again later.'),
  };
}

export type ScheduleService = ReturnType<typeof createScheduleService>;
