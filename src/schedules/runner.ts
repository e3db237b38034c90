import os from 'node:os';
import { Problem } from '../core/errors.ts';
import type { Clock } from '../core/clock.ts';
import { newId } from '../core/ids.ts';
import { formatVietnamTime } from '../core/time.ts';
import type { Database } from '../db/database.ts';
import { nextRun } from './cron.ts';
import type { ScheduleDeps } from './deps.ts';
import { type Tally, pull } from './pull.ts';
import { RUN_COLUMNS, SCHEDULE_COLUMNS, type Run, type RunStatus, type Schedule, agreementStop } from './service.ts';
import { deliveryHeaders } from './signing.ts';

export interface RunnerOptions {
  /** Who holds a lease: unique per running instance. */
  owner?: string;
  /** How long a claimed schedule is held without news from its runner; renewed after every page. */
  leaseMs?: number;
  /** Schedules claimed per turn of the job. */
  batch?: number;
  /** Changes per delivered batch. */
  deliveryLimit?: number;
  /** How long a consumer's endpoint has to take a batch. */
  deliveryTimeoutMs?: number;
  /** Called when a run ends, for the server's log. */
  onRun?: (run: Run, schedule: Schedule) => void;
}

/** The run could not go on: the reason in both languages, and the rule when the regulation stopped it. */
class RunStopped extends Error {
  constructor(
    readonly status: 'failed' | 'refused' | 'interrupted',
    readonly vi: string,
    readonly en: string,
    readonly rule: string | null = null,
  ) {
    super(en);
  }
}

/** Another runner took the schedule over (this one was too slow to renew its lease): stop writing at once. */
const leaseLost = () => new RunStopped('interrupted', 'Lịch đã được một tiến trình khác nhận chạy.', 'Another runner took the schedule over.');

const MAX_DELIVERY_PAGES = 1000;

/**
 * Claims due schedules with a lease in the database and runs them. With several instances on one
 * PostgreSQL, `FOR UPDATE SKIP LOCKED` gives each due schedule to one runner, and the lease
 * (owner + expiry, renewed after each page) keeps the others off it until it is done; a run whose
 * runner died is claimed again once its lease has expired, and its row is marked `interrupted`.
 * Times come from the injected clock, never from the database's, so tests move them by hand.
 */
export function createRunner(db: Database, clock: Clock, deps: ScheduleDeps, opts: RunnerOptions = {}) {
  const owner = opts.owner ?? `${os.hostname()}:${process.pid}:${newId().slice(-8)}`;
  const leaseMs = opts.leaseMs ?? 5 * 60_000;
  const deliveryLimit = opts.deliveryLimit ?? 500;
  const deliveryTimeoutMs = opts.deliveryTimeoutMs ?? 30_000;

  /** Takes up to `limit` due schedules (or the one named), each for this runner alone until its lease ends. */
  async function claim(limit: number, only?: string): Promise<Schedule[]> {
    const now = clock.now();
    return db.transaction(async (tx) => {
      const r = await tx.query<Schedule>(
        `UPDATE sync_schedules SET lease_owner = $1, lease_expires_at = $2
          WHERE id IN (SELECT id FROM sync_schedules
                        WHERE ${only ? 'id = $5' : "status = 'active' AND next_run_at <= $3"} AND (lease_expires_at IS NULL OR lease_expires_at <= $3)
                        ORDER BY next_run_at LIMIT $4 FOR UPDATE SKIP LOCKED)
          RETURNING ${SCHEDULE_COLUMNS}`,
        only ? [owner, new Date(now.getTime() + leaseMs), now, limit, only] : [owner, new Date(now.getTime() + leaseMs), now, limit],
      );
      if (r.rows.length)
        await tx.query(
          `UPDATE sync_runs SET status = 'interrupted', finished_at = $2, error = 'Lần chạy bị gián đoạn (tiến trình chạy đã dừng).', error_en = 'The run was interrupted (its runner stopped).'
            WHERE schedule_id = ANY($1) AND status = 'running'`,
          [r.rows.map((s) => s.id), now],
        );
      return r.rows;
    });
  }

  /** Keeps the lease; throws when another runner has taken it (this one was presumed dead). */
  async function renew(id: string): Promise<void> {
    const r = await db.query('UPDATE sync_schedules SET lease_expires_at = $3 WHERE id = $1 AND lease_owner = $2', [
      id,
      owner,
      new Date(clock.now().getTime() + leaseMs),
    ]);
    if (r.rowCount === 0) throw leaseLost();
  }

  async function saveCursor(id: string, cursor: string): Promise<void> {
    const r = await db.query('UPDATE sync_schedules SET cursor = $3 WHERE id = $1 AND lease_owner = $2', [id, owner, cursor]);
    if (r.rowCount === 0) throw leaseLost();
  }

  /** Makes one run of a claimed schedule, records it, and lets the schedule go with its next run time. */
  async function runClaimed(s: Schedule, trigger: Run['trigger']): Promise<Run> {
    const runId = newId();
    const started = clock.now();
    await db.query(`INSERT INTO sync_runs (id, schedule_id, trigger, runner, started_at, status, cursor_from) VALUES ($1, $2, $3, $4, $5, 'running', $6)`, [
      runId,
      s.id,
      trigger,
      owner,
      started,
      s.cursor,
    ]);
    const tally: Tally = { fetched: 0, written: 0, unchanged: 0, deleted: 0, refused: 0, delivered: 0, errors: [], receipts: [], cursor: s.cursor };
    let status: RunStatus = 'succeeded';
    let stop: RunStopped | null = null;
    try {
      if (s.direction === 'pull') await runPull(s, tally);
      else await runDelivery(s, tally);
      if (tally.refused > 0) status = 'partial';
    } catch (err) {
      stop = err instanceof RunStopped ? err : asStop(err);
      status = stop.status;
    }
    const finished = clock.now();
    const run = await db.transaction(async (tx) => {
      const r = await tx.query<Run>(
        `UPDATE sync_runs SET finished_at = $2, status = $3, fetched = $4, written = $5, unchanged = $6, deleted = $7, refused = $8, delivered = $9,
           errors = $10, error = $11, error_en = $12, rule = $13, cursor_to = $14, receipts = $15
          WHERE id = $1 AND status = 'running' RETURNING ${RUN_COLUMNS}`,
        [
          runId,
          finished,
          status,
          tally.fetched,
          tally.written,
          tally.unchanged,
          tally.deleted,
          tally.refused,
          tally.delivered,
          JSON.stringify(tally.errors.slice(0, 1000)),
          stop?.vi ?? null,
          stop?.en ?? null,
          stop?.rule ?? null,
          tally.cursor,
          JSON.stringify(tally.receipts),
        ],
      );
      // A pull's cursor moves only with a whole run; a delivery's moved with each batch the consumer took.
      await tx.query(
        `UPDATE sync_schedules SET next_run_at = $3, lease_owner = NULL, lease_expires_at = NULL${s.direction === 'pull' && !stop ? ', cursor = $4' : ''}
          WHERE id = $1 AND lease_owner = $2`,
        [s.id, owner, nextRun(s.cron, finished), ...(s.direction === 'pull' && !stop ? [tally.cursor] : [])],
      );
      // Taken over meanwhile (this runner was presumed dead): the row already says `interrupted`.
      return r.rows[0] ?? (await tx.query<Run>(`SELECT ${RUN_COLUMNS} FROM sync_runs WHERE id = $1`, [runId])).rows[0]!;
    });
    opts.onRun?.(run, s);
    return run;
  }

  /** R-15.1: while the dataset's service is stopped for everyone, no scheduled run moves its data either. */
  async function refuseIfStopped(s: Schedule): Promise<void> {
    const block = await deps.serviceBlock(s.dataset_code, clock.now());
    if (!block) return;
    const until = block.expected_restore_at;
    throw new RunStopped(
      'refused',
      `Dịch vụ của bộ dữ liệu đang tạm ngừng${block.notice_reference ? ` (thông báo ${block.notice_reference})` : ''}.${until ? ` Dự kiến khôi phục lúc ${formatVietnamTime(until)}.` : ''}`,
      `The dataset's service is suspended${block.notice_reference ? ` (notice ${block.notice_reference})` : ''}.${until ? ` Expected back at ${until.toISOString()}.` : ''}`,
      block.kind === 'planned' ? 'R-15.3' : 'R-15.4',
    );
  }

  async function runPull(s: Schedule, tally: Tally): Promise<void> {
    await refuseIfStopped(s);
    await pull(s, tally, {
      ...deps,
      now: () => clock.now(),
      renew: () => renew(s.id),
      stop: (vi, en, rule) => new RunStopped('failed', vi, en, rule ?? null),
    });
  }

  /**
   * R-6.1c: the feed's changes since the last batch the consumer took, shaped by the gateway for
   * the agreement (R-8.2), logged before sending (R-17.2), POSTed; the cursor moves only when the
   * endpoint answered 2xx, so a failed batch is sent again by the next run.
   */
  async function runDelivery(s: Schedule, tally: Tally): Promise<void> {
    // R-15.2, R-16.1: a suspended, revoked, terminated or expired agreement stops the run at once.
    const a = await deps.agreements.service.byId(s.agreement_id!);
    const stopped = agreementStop(a.effective_status);
    if (stopped) throw new RunStopped('refused', stopped.vi, stopped.en, stopped.rule);
    if (!a.forms.includes('sync'))
      throw new RunStopped(
        'refused',
        'Thoả thuận không còn hình thức đồng bộ định kỳ.',
        'The agreement no longer includes periodic synchronisation.',
        'R-6.1c',
      );
    await refuseIfStopped(s);
    const system = await deps.registry.systems.byCode(a.system_code);
    const party = {
      schedule: s.id,
      agency: a.consumer_code,
      system: a.system_code,
      purpose: a.purpose_code,
      // R-12.2: the decision sees the zone the consumer system is registered on; secret data goes to tslcd systems only.
      zone: system.zone,
      endpoint: s.endpoint_url!,
    };
    let after = Number(s.cursor ?? '0');
    if ((await deps.sync.feed.head(s.dataset_code)) <= after) return;
    for (let page = 0; page < MAX_DELIVERY_PAGES; page++) {
      const batch = await deps.gateway.deliveryBatch(s.dataset_code, party, after, deliveryLimit);
      const receipt = batch.response.headers['lienthong-receipt'];
      if (receipt) tally.receipts.push(receipt);
      if (batch.response.status !== 200) throw refusalOf(batch.response.status, batch.response.body);
      if (batch.count === 0) return;
      const id = `${s.id}:${after + 1}-${batch.position}`;
      const answer = await post(s.endpoint_url!, batch.response.body, deliveryHeaders(batch.response, id, clock.now()));
      if (answer !== null)
        throw new RunStopped(
          'failed',
          `Nơi nhận không nhận lô thay đổi (${answer}); lô sẽ được gửi lại ở lần chạy sau.`,
          `The endpoint did not take the batch (${answer}); it is sent again on the next run.`,
        );
      after = batch.position;
      tally.delivered += batch.count;
      tally.cursor = String(after);
      await saveCursor(s.id, tally.cursor);
      await renew(s.id);
      if (!batch.more) return;
    }
  }

  /** POSTs a batch; null when the endpoint answered 2xx, else what went wrong. */
  async function post(url: string, body: Buffer, headers: Record<string, string>): Promise<string | null> {
    try {
      const res = await fetch(url, { method: 'POST', body: new Uint8Array(body), headers, redirect: 'manual', signal: AbortSignal.timeout(deliveryTimeoutMs) });
      await res.arrayBuffer().catch(() => undefined);
      return res.status >= 200 && res.status < 300 ? null : `HTTP ${res.status}`;
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  }

  return {
    owner,

    /** One turn of the job: claims due schedules and runs them one after the other; the number run. */
    async runDue(): Promise<number> {
      const claimed = await claim(opts.batch ?? 5);
      for (const s of claimed) await runClaimed(s, 'schedule');
      return claimed.length;
    },

    /** Runs one schedule now, whatever its time (an official's "run now"); null when another runner holds it. */
    async runNow(id: string): Promise<Run | null> {
      const [s] = await claim(1, id);
      return s ? runClaimed(s, 'manual') : null;
    },
  };
}

export type Runner = ReturnType<typeof createRunner>;

/** A refusal answered by the gateway's pipeline (a problem+json, logged with its receipt): its rule and words. */
function refusalOf(status: number, body: Buffer): RunStopped {
  let p: { detail?: string; detail_en?: string; title?: string; title_en?: string; rule?: string } = {};
  try {
    p = JSON.parse(body.toString('utf8')) as typeof p;
  } catch {
    // not JSON: the status says enough
  }
  return new RunStopped(
    status === 403 || status === 503 ? 'refused' : 'failed',
    p.detail ?? p.title ?? `Cổng dữ liệu trả lời ${status}.`,
    p.detail_en ?? p.title_en ?? `The gateway answered ${status}.`,
    p.rule ?? null,
  );
}

function asStop(err: unknown): RunStopped {
  if (err instanceof Problem)
    return new RunStopped(
      err.status === 403 ? 'refused' : 'failed',
      err.options.detail ?? err.kind.title,
      err.options.detail_en ?? err.kind.title_en,
      err.options.rule ?? null,
    );
  return new RunStopped('failed', 'Lỗi khi chạy lịch đồng bộ.', `The run failed: ${err instanceof Error ? err.message : String(err)}`);
}
