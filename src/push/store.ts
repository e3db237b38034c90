import type { Queryable } from '../db/database.ts';

/** A subscription's row: what it asks for, where it is in the feed, and its delivery state. */
export interface SubscriptionRow {
  id: string;
  dataset_code: string;
  custodian_code: string;
  system_code: string;
  agency_code: string;
  client_id: string;
  purpose: string | null;
  url: string;
  filter: Record<string, string>;
  fields: string[] | null;
  batch_max: number;
  state: 'active' | 'paused' | 'disabled' | 'deleted';
  state_reason: string | null;
  position: number;
  sent_count: number;
  batches_sent: number;
  last_success_at: Date | null;
  last_failure_at: Date | null;
  last_failure_reason: string | null;
  consecutive_failures: number;
  failing_since: Date | null;
  next_attempt_at: Date;
  lease_owner: string | null;
  lease_expires_at: Date | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export type NewSubscription = Pick<
  SubscriptionRow,
  'id' | 'dataset_code' | 'custodian_code' | 'system_code' | 'agency_code' | 'client_id' | 'purpose' | 'url' | 'filter' | 'fields' | 'batch_max' | 'position'
>;

const num = (r: SubscriptionRow): SubscriptionRow => ({
  ...r,
  position: Number(r.position),
  sent_count: Number(r.sent_count),
  batches_sent: Number(r.batches_sent),
});

/** The SQL of push_subscriptions, and nothing else. */
export function createSubscriptionStore(db: Queryable) {
  return {
    async insert(s: NewSubscription, now: Date): Promise<SubscriptionRow> {
      const r = await db.query<SubscriptionRow>(
        `INSERT INTO push_subscriptions (id, dataset_code, custodian_code, system_code, agency_code, client_id, purpose, url, filter, fields, batch_max,
           state, position, next_attempt_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'active', $12, $13, $13, $13) RETURNING *`,
        [
          s.id,
          s.dataset_code,
          s.custodian_code,
          s.system_code,
          s.agency_code,
          s.client_id,
          s.purpose,
          s.url,
          JSON.stringify(s.filter),
          s.fields,
          s.batch_max,
          s.position,
          now,
        ],
      );
      return num(r.rows[0]!);
    },

    async get(id: string): Promise<SubscriptionRow | undefined> {
      const r = await db.query<SubscriptionRow>(`SELECT * FROM push_subscriptions WHERE id = $1 AND state <> 'deleted'`, [id]);
      return r.rows[0] && num(r.rows[0]);
    },

    async list(f: {
      dataset?: string | undefined;
      system?: string | undefined;
      custodian?: string | undefined;
      state?: string | undefined;
    }): Promise<SubscriptionRow[]> {
      const r = await db.query<SubscriptionRow>(
        `SELECT * FROM push_subscriptions WHERE state <> 'deleted'
            AND ($1::text IS NULL OR dataset_code = $1) AND ($2::text IS NULL OR system_code = $2)
            AND ($3::text IS NULL OR custodian_code = $3) AND ($4::text IS NULL OR state = $4)
          ORDER BY created_at, id LIMIT 1000`,
        [f.dataset ?? null, f.system ?? null, f.custodian ?? null, f.state ?? null],
      );
      return r.rows.map(num);
    },

    /**
     * A change asked for by the consumer: bumps `version`, so a delivery in flight that was claimed
     * before it does not move the position back over a replay (see `complete`).
     */
    async update(
      id: string,
      set: Partial<Pick<SubscriptionRow, 'url' | 'filter' | 'fields' | 'batch_max' | 'state' | 'state_reason' | 'position'>> & { reset?: boolean },
      now: Date,
    ): Promise<SubscriptionRow | undefined> {
      const r = await db.query<SubscriptionRow>(
        `UPDATE push_subscriptions SET
            url = COALESCE($2, url), filter = COALESCE($3::jsonb, filter), fields = CASE WHEN $4::boolean THEN $5::text[] ELSE fields END,
            batch_max = COALESCE($6, batch_max), state = COALESCE($7, state), state_reason = CASE WHEN $7::text IS NULL THEN state_reason ELSE $8 END,
            position = COALESCE($9, position),
            consecutive_failures = CASE WHEN $10::boolean THEN 0 ELSE consecutive_failures END,
            failing_since = CASE WHEN $10::boolean THEN NULL ELSE failing_since END,
            next_attempt_at = CASE WHEN $10::boolean THEN $11 ELSE next_attempt_at END,
            version = version + 1, updated_at = $11
          WHERE id = $1 AND state <> 'deleted' RETURNING *`,
        [
          id,
          set.url ?? null,
          set.filter === undefined ? null : JSON.stringify(set.filter),
          set.fields !== undefined,
          set.fields ?? null,
          set.batch_max ?? null,
          set.state ?? null,
          set.state_reason ?? null,
          set.position ?? null,
          set.reset === true,
          now,
        ],
      );
      return r.rows[0] && num(r.rows[0]);
    },

    /** The datasets that have active subscriptions: the dispatcher asks their feed heads. */
    async activeDatasets(): Promise<string[]> {
      const r = await db.query<{ dataset_code: string }>(`SELECT DISTINCT dataset_code FROM push_subscriptions WHERE state = 'active'`);
      return r.rows.map((x) => x.dataset_code);
    },

    /**
     * Leases up to `limit` subscriptions that are active, due, not leased by a live instance, and
     * behind their dataset's head. `FOR UPDATE SKIP LOCKED`: two instances claiming at once never
     * take the same row; a lease past its expiry (an instance that died) is taken over.
     */
    async claim(owner: string, heads: Map<string, number>, now: Date, leaseUntil: Date, limit: number): Promise<SubscriptionRow[]> {
      if (!heads.size || limit <= 0) return [];
      const r = await db.query<SubscriptionRow>(
        `UPDATE push_subscriptions SET lease_owner = $1, lease_expires_at = $2
          WHERE id IN (
            SELECT s.id FROM push_subscriptions s JOIN unnest($3::text[], $4::bigint[]) AS h(code, head) ON h.code = s.dataset_code
             WHERE s.state = 'active' AND s.next_attempt_at <= $5 AND (s.lease_expires_at IS NULL OR s.lease_expires_at <= $5) AND s.position < h.head
             ORDER BY s.next_attempt_at LIMIT $6
             FOR UPDATE OF s SKIP LOCKED)
          RETURNING *`,
        [owner, leaseUntil, [...heads.keys()], [...heads.values()], now, limit],
      );
      return r.rows.map(num);
    },

    /**
     * The end of one delivery by the lease's holder: nothing happens if the lease was lost (it
     * expired and another instance took over). The position moves only if the consumer changed
     * nothing meanwhile (`version`), so a replay asked during a delivery is kept.
     */
    async complete(
      s: SubscriptionRow,
      owner: string,
      o:
        | { kind: 'sent'; position: number; events: number; at: Date }
        | { kind: 'skipped'; position: number; at: Date }
        | { kind: 'failed'; reason: string; at: Date; next: Date; counts: boolean; exhaustAfterMs: number }
        | { kind: 'disabled'; reason: string; at: Date },
    ): Promise<boolean> {
      const common = `lease_owner = NULL, lease_expires_at = NULL, updated_at = $3`;
      const guard = `WHERE id = $1 AND lease_owner = $2`;
      let r;
      switch (o.kind) {
        case 'sent':
          r = await db.query(
            `UPDATE push_subscriptions SET ${common}, position = CASE WHEN version = $4 THEN GREATEST(position, $5) ELSE position END,
                sent_count = sent_count + $6, batches_sent = batches_sent + 1, last_success_at = $3, consecutive_failures = 0,
                failing_since = NULL, next_attempt_at = $3 ${guard}`,
            [s.id, owner, o.at, s.version, o.position, o.events],
          );
          break;
        case 'skipped':
          r = await db.query(
            `UPDATE push_subscriptions SET ${common}, position = CASE WHEN version = $4 THEN GREATEST(position, $5) ELSE position END, next_attempt_at = $3 ${guard}`,
            [s.id, owner, o.at, s.version, o.position],
          );
          break;
        case 'failed':
          // Retries end after the window: the subscription is disabled, its position kept (replay resumes it).
          r = await db.query(
            `UPDATE push_subscriptions SET ${common}, last_failure_at = $3, last_failure_reason = $4, next_attempt_at = $5,
                consecutive_failures = consecutive_failures + 1,
                failing_since = CASE WHEN $6::boolean THEN COALESCE(failing_since, $3) ELSE failing_since END,
                state = CASE WHEN $6::boolean AND $3 - COALESCE(failing_since, $3) >= make_interval(secs => $7::double precision / 1000) THEN 'disabled' ELSE state END,
                state_reason = CASE WHEN $6::boolean AND $3 - COALESCE(failing_since, $3) >= make_interval(secs => $7::double precision / 1000)
                  THEN 'retries_exhausted' ELSE state_reason END
              ${guard}`,
            [s.id, owner, o.at, o.reason, o.next, o.counts, o.exhaustAfterMs],
          );
          break;
        case 'disabled':
          r = await db.query(
            `UPDATE push_subscriptions SET ${common}, state = 'disabled', state_reason = $4, last_failure_at = $3, last_failure_reason = $4,
                consecutive_failures = consecutive_failures + 1 ${guard}`,
            [s.id, owner, o.at, o.reason],
          );
          break;
      }
      return (r.rowCount ?? 0) > 0;
    },

    /** At a clean shutdown: the leases this instance holds are given back, so another takes over at once. */
    async releaseAll(owner: string): Promise<void> {
      await db.query(`UPDATE push_subscriptions SET lease_owner = NULL, lease_expires_at = NULL WHERE lease_owner = $1`, [owner]);
    },
  };
}

export type SubscriptionStore = ReturnType<typeof createSubscriptionStore>;
