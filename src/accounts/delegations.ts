import { PROBLEMS, Problem, conflict, forbidden, invalid, notFound } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import type { Clock } from '../core/clock.ts';
import type { Database, Queryable } from '../db/database.ts';
import { historyOf, recordChange } from '../db/history.ts';
import { type Page, Where } from '../db/rows.ts';
import { type Principal, administers, seesEverything } from '../registry/index.ts';
import type { StatusCache } from './access.ts';
import { type AccountDeps, datasetsOf } from './deps.ts';
import { revokeDelegatedAccounts } from './service.ts';

/** a custodian lets an intermediary system's operator issue connection accounts for its datasets. */
export interface Delegation {
  id: string;
  custodian_code: string;
  operator_code: string;
  status: 'active' | 'revoked';
  created_by: string;
  revoked_at: Date | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export interface DelegationFilter {
  custodian?: string | undefined;
  operator?: string | undefined;
  status?: string | undefined;
  limit: number;
  offset: number;
}

const COLUMNS = 'id, custodian_code, operator_code, status, created_by, revoked_at, version, created_at, updated_at';

function denyCustodian(): Problem {
  return forbidden(
    'Chỉ quản trị viên của cơ quan chủ quản dữ liệu (hoặc Văn phòng Trung ương Đảng) được ủy quyền cấp tài khoản kết nối.',
    "Only the custodian's administrators (or the coordinator) may delegate the issuance of connection accounts.",
    'R-14.2',
  );
}

export function createDelegationService(db: Database, clock: Clock, deps: AccountDeps, status: StatusCache) {
  const visible = (p: Principal, d: Delegation) => seesEverything(p) || p.agencyCode === d.custodian_code || p.agencyCode === d.operator_code;

  async function load(id: string, q: Queryable = db): Promise<Delegation | undefined> {
    return (await q.query<Delegation>(`SELECT ${COLUMNS} FROM account_delegations WHERE id = $1`, [id])).rows[0];
  }

  /** A delegation the principal may see, or 404. */
  async function get(p: Principal, id: string): Promise<Delegation> {
    const d = await load(id);
    if (!d || !visible(p, d)) throw notFound('ủy quyền cấp tài khoản', 'delegation', id);
    return d;
  }

  async function checkParties(custodian: string, operator: string): Promise<void> {
    if (custodian === operator)
      throw invalid('/body/operator_code', 'Đơn vị trung gian phải khác cơ quan chủ quản.', 'The operator must be another agency than the custodian.');
    await deps.agencies.requireExisting(custodian, undefined, 'R-14.2');
    await deps.agencies.requireExisting(operator, undefined, 'R-14.2');
    if ((await datasetsOf(deps, custodian)).length === 0) {
      throw new Problem(PROBLEMS.unprocessable, {
        rule: 'R-14.2',
        detail: `Cơ quan "${custodian}" không là chủ quản bộ dữ liệu nào.`,
        detail_en: `Agency "${custodian}" is custodian of no dataset.`,
      });
    }
  }

  return {
    get,

    async list(p: Principal, f: DelegationFilter): Promise<Page<Delegation>> {
      const w = new Where()
        .addIf(!seesEverything(p), '? IN (custodian_code, operator_code)', p.agencyCode)
        .addIf(f.custodian !== undefined, 'custodian_code = ?', f.custodian)
        .addIf(f.operator !== undefined, 'operator_code = ?', f.operator)
        .addIf(f.status !== undefined, 'status = ?', f.status);
      const total = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM account_delegations ${w}`, w.params);
      const rows = await db.query<Delegation>(
        `SELECT ${COLUMNS} FROM account_delegations ${w} ORDER BY created_at, id LIMIT ${w.next(f.limit)} OFFSET ${w.next(f.offset)}`,
        w.params,
      );
      return { items: rows.rows, total: total.rows[0]!.n, limit: f.limit, offset: f.offset };
    },

    async create(p: Principal, input: { custodian_code: string; operator_code: string; reason: string }): Promise<Delegation> {
      if (!administers(p, input.custodian_code, 'custodian_admin')) throw denyCustodian();
      await checkParties(input.custodian_code, input.operator_code);
      return db.transaction(async (tx) => {
        const id = newId();
        const now = clock.now();
        const r = await tx.query(
          `INSERT INTO account_delegations (id, custodian_code, operator_code, created_by, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT DO NOTHING`,
          [id, input.custodian_code, input.operator_code, p.username, now],
        );
        if (r.rowCount === 0)
          throw conflict(
            `"${input.custodian_code}" đã ủy quyền cho "${input.operator_code}".`,
            `"${input.custodian_code}" already delegates to "${input.operator_code}".`,
          );
        const created = (await load(id, tx))!;
        await recordChange(tx, { entity: 'account_delegation', key: id, action: 'create', actor: p.username, reason: input.reason, after: created, at: now });
        return created;
      });
    },

    /** Ends the delegation and, at once, every account issued under it. */
    async revoke(p: Principal, id: string, reason: string): Promise<{ delegation: Delegation; revoked_accounts: string[] }> {
      const current = await get(p, id);
      if (!administers(p, current.custodian_code, 'custodian_admin')) throw denyCustodian();
      const out = await db.transaction(async (tx) => {
        const now = clock.now();
        const r = await tx.query<Delegation>(
          `UPDATE account_delegations SET status = 'revoked', revoked_at = $2, updated_at = $2, version = version + 1
            WHERE id = $1 AND status = 'active' RETURNING ${COLUMNS}`,
          [id, now],
        );
        if (!r.rows[0]) throw conflict('Ủy quyền đã bị thu hồi trước đó.', 'The delegation was already revoked.');
        await recordChange(tx, {
          entity: 'account_delegation',
          key: id,
          action: 'revoke',
          actor: p.username,
          reason,
          before: current,
          after: r.rows[0],
          at: now,
        });
        const revoked = await revokeDelegatedAccounts(tx, id, p.username, reason, now);
        return { delegation: r.rows[0], revoked_accounts: revoked };
      });
      status.forget(out.revoked_accounts);
      return out;
    },

    async history(p: Principal, id: string) {
      await get(p, id);
      return historyOf(db, 'account_delegation', id);
    },

    /** For delegated issuance: the live delegation `p` operates, or the reason it cannot be used. */
    async forOperator(p: Principal, id: string): Promise<Delegation> {
      const d = await get(p, id);
      if (d.status !== 'active')
        throw new Problem(PROBLEMS.unprocessable, { rule: 'R-14.2', detail: 'Ủy quyền đã bị thu hồi.', detail_en: 'The delegation has been revoked.' });
      return d;
    },
  };
}

export type DelegationService = ReturnType<typeof createDelegationService>;
