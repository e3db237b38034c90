import { PROBLEMS, Problem, conflict, forbidden, invalid } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import { nfc } from '../core/text.ts';
import type { Clock } from '../core/clock.ts';
import type { Database, Queryable } from '../db/database.ts';
import { historyOf, recordChange } from '../db/history.ts';
import { type Page, Where } from '../db/rows.ts';
import { type Principal, administers, seesEverything } from '../registry/index.ts';
import type { InformationSystem } from '../registry/index.ts';
import { OPERATOR_ROLES, SYSTEM_ADMIN_ROLES, type StatusCache, accountNotFound, requireManager, seesAccount } from './access.ts';
import type { DelegationService } from './delegations.ts';
import { type AccountDeps, findSystem } from './deps.ts';
import { type ClientJwks, checkClientJwks } from './jwks.ts';
import { newClientId, newClientSecret } from './secrets.ts';

type AuthMethod = 'client_secret' | 'private_key_jwt';

export interface AccountRow {
  id: string;
  client_id: string;
  system_code: string;
  agency_code: string;
  name: string;
  auth_method: AuthMethod;
  jwks: ClientJwks | null;
  delegation_id: string | null;
  custodian_code: string | null;
  issued_by_agency: string;
  status: 'active' | 'revoked';
  revoked_at: Date | null;
  created_by: string;
  version: number;
  created_at: Date;
  updated_at: Date;
}

/** What officials see: never a secret or its hash, only which secrets are valid until when. */
export interface ConnectionAccount extends Omit<AccountRow, 'id'> {
  secrets: { id: string; created_at: Date; expires_at: Date | null }[];
}

export interface AccountInput {
  system_code: string;
  name: string;
  auth_method: AuthMethod;
  jwks?: { keys: Record<string, unknown>[] } | undefined;
  delegation_id?: string | undefined;
  reason?: string | undefined;
}

export interface AccountFilter {
  system?: string | undefined;
  status?: string | undefined;
  limit: number;
  offset: number;
}

/** Default and bounds of the time a rotated-out secret keeps working, so clients can switch without downtime. */
const DEFAULT_GRACE_SECONDS = 24 * 3600;
export const MAX_GRACE_SECONDS = 7 * 24 * 3600;

const COLUMNS =
  'id, client_id, system_code, agency_code, name, auth_method, jwks, delegation_id, custodian_code, issued_by_agency, status, revoked_at, created_by, version, created_at, updated_at';
const ENTITY = 'connection_account';

/** The public view of an account, for responses and history. */
function publicView(row: AccountRow, secrets: ConnectionAccount['secrets']): ConnectionAccount {
  const { id: _id, ...rest } = row;
  return { ...rest, secrets };
}

/** only an active system at security level ≥ 3 gets a connection account. */
function requireEligible(system: InformationSystem): void {
  if (system.sharing_refusal) {
    const r = system.sharing_refusal;
    throw new Problem(PROBLEMS.unprocessable, {
      rule: r.rule,
      detail: `Không cấp được tài khoản kết nối: ${r.reason}`,
      detail_en: `No connection account can be issued: ${r.reason_en}`,
    });
  }
}

export async function loadAccount(q: Queryable, clientId: string): Promise<AccountRow | undefined> {
  return (await q.query<AccountRow>(`SELECT ${COLUMNS} FROM connection_accounts WHERE client_id = $1`, [clientId])).rows[0];
}

/** revoking a delegation revokes the accounts issued under it, in its transaction. */
export async function revokeDelegatedAccounts(tx: Queryable, delegationId: string, actor: string, reason: string, at: Date): Promise<string[]> {
  const r = await tx.query<AccountRow>(
    `UPDATE connection_accounts SET status = 'revoked', revoked_at = $2, updated_at = $2, version = version + 1
      WHERE delegation_id = $1 AND status = 'active' RETURNING ${COLUMNS}`,
    [delegationId, at],
  );
  for (const row of r.rows) {
    await recordChange(tx, {
      entity: ENTITY,
      key: row.client_id,
      action: 'revoke',
      actor,
      reason: `Thu hồi ủy quyền / delegation revoked: ${reason}`,
      before: { status: 'active' },
      after: { status: 'revoked' },
      at,
    });
  }
  return r.rows.map((row) => row.client_id);
}

export function createAccountService(db: Database, clock: Clock, deps: AccountDeps, delegations: DelegationService, status: StatusCache) {
  async function secretsOf(q: Queryable, accountId: string): Promise<ConnectionAccount['secrets']> {
    const r = await q.query<ConnectionAccount['secrets'][number]>(
      'SELECT id, created_at, expires_at FROM account_secrets WHERE account_id = $1 AND (expires_at IS NULL OR expires_at > $2) ORDER BY created_at, id',
      [accountId, clock.now()],
    );
    return r.rows;
  }

  /** One query for a page of accounts, not one per account. */
  async function secretsOfMany(ids: string[]): Promise<Map<string, ConnectionAccount['secrets']>> {
    const out = new Map<string, ConnectionAccount['secrets']>();
    if (ids.length === 0) return out;
    const r = await db.query<ConnectionAccount['secrets'][number] & { account_id: string }>(
      'SELECT account_id, id, created_at, expires_at FROM account_secrets WHERE account_id = ANY($1::uuid[]) AND (expires_at IS NULL OR expires_at > $2) ORDER BY created_at, id',
      [ids, clock.now()],
    );
    for (const { account_id, ...secret } of r.rows) out.set(account_id, [...(out.get(account_id) ?? []), secret]);
    return out;
  }

  async function view(q: Queryable, row: AccountRow): Promise<ConnectionAccount> {
    return publicView(row, await secretsOf(q, row.id));
  }

  async function visible(p: Principal, clientId: string, q: Queryable = db): Promise<AccountRow> {
    const row = await loadAccount(q, clientId);
    if (!row || !seesAccount(p, row)) throw accountNotFound(clientId);
    return row;
  }

  /** Locks the account for a change by someone allowed to make it (404 / 403 otherwise). */
  async function forChange(p: Principal, tx: Queryable, clientId: string): Promise<AccountRow> {
    const row = (await tx.query<AccountRow>(`SELECT ${COLUMNS} FROM connection_accounts WHERE client_id = $1 FOR UPDATE`, [clientId])).rows[0];
    if (!row) throw accountNotFound(clientId);
    requireManager(p, row);
    if (row.status !== 'active') throw conflict('Tài khoản kết nối đã bị thu hồi.', 'The connection account has been revoked.');
    return row;
  }

  async function addSecret(tx: Queryable, accountId: string, now: Date): Promise<{ secret: string; id: string }> {
    const { secret, hash } = newClientSecret();
    const id = newId();
    await tx.query('INSERT INTO account_secrets (id, account_id, secret_hash, created_at) VALUES ($1, $2, $3, $4)', [id, accountId, hash, now]);
    return { secret, id };
  }

  /**
   * Which system the account is for and under which delegation: the system's own agency issues
   * freely; another agency only as the operator of a live delegation.
   */
  async function issuance(p: Principal, input: AccountInput) {
    if (input.delegation_id === undefined) {
      const system = await deps.systems.get(p, input.system_code); // 404 for other agencies' systems
      if (!administers(p, system.agency_code, ...SYSTEM_ADMIN_ROLES)) {
        throw forbidden(
          'Chỉ quản trị viên của cơ quan sở hữu hệ thống (hoặc đơn vị trung gian được ủy quyền) được cấp tài khoản kết nối.',
          "Only the system agency's administrators (or a delegated intermediary operator) may issue connection accounts.",
          'R-14.1',
        );
      }
      return { system, delegation: null };
    }
    const delegation = await delegations.forOperator(p, input.delegation_id);
    if (!administers(p, delegation.operator_code, ...OPERATOR_ROLES)) {
      throw forbidden(
        'Chỉ quản trị viên của đơn vị trung gian được ủy quyền mới cấp tài khoản theo ủy quyền này.',
        "Only the delegated operator's administrators may issue accounts under this delegation.",
        'R-14.2',
      );
    }
    const system = await findSystem(deps, input.system_code);
    if (!system) throw invalid('/body/system_code', `Không có hệ thống "${input.system_code}".`, `No system "${input.system_code}".`);
    return { system, delegation };
  }

  async function checkedJwks(input: AccountInput): Promise<ClientJwks | null> {
    if (input.jwks === undefined) return null;
    if (input.auth_method !== 'private_key_jwt')
      throw invalid('/body/jwks', 'Chỉ tài khoản private_key_jwt có bộ khoá công khai.', 'Only private_key_jwt accounts have a public key set.');
    return checkClientJwks(input.jwks);
  }

  return {
    /** Every account not revoked, for inspection: no authorisation here, the caller decides what to show. */
    async active(): Promise<Pick<AccountRow, 'client_id' | 'system_code' | 'agency_code' | 'created_at'>[]> {
      return (
        await db.query<AccountRow>("SELECT client_id, system_code, agency_code, created_at FROM connection_accounts WHERE status = 'active' ORDER BY client_id")
      ).rows;
    },

    async list(p: Principal, f: AccountFilter): Promise<Page<ConnectionAccount>> {
      const w = new Where()
        .addIf(!seesEverything(p), '? IN (agency_code, issued_by_agency, custodian_code)', p.agencyCode)
        .addIf(f.system !== undefined, 'system_code = ?', f.system)
        .addIf(f.status !== undefined, 'status = ?', f.status);
      const total = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM connection_accounts ${w}`, w.params);
      const rows = await db.query<AccountRow>(
        `SELECT ${COLUMNS} FROM connection_accounts ${w} ORDER BY created_at, client_id LIMIT ${w.next(f.limit)} OFFSET ${w.next(f.offset)}`,
        w.params,
      );
      const secrets = await secretsOfMany(rows.rows.map((r) => r.id));
      const items = rows.rows.map((row) => publicView(row, secrets.get(row.id) ?? []));
      return { items, total: total.rows[0]!.n, limit: f.limit, offset: f.offset };
    },

    async get(p: Principal, clientId: string): Promise<ConnectionAccount> {
      return view(db, await visible(p, clientId));
    },

    /** Issues an account; the secret (client_secret accounts) is returned here and never again. */
    async create(p: Principal, input: AccountInput): Promise<{ account: ConnectionAccount; client_secret?: string }> {
      const { system, delegation } = await issuance(p, input);
      requireEligible(system);
      const jwks = await checkedJwks(input);
      return db.transaction(async (tx) => {
        const now = clock.now();
        const id = newId();
        const clientId = newClientId();
        await tx.query(
          `INSERT INTO connection_accounts (id, client_id, system_code, agency_code, name, auth_method, jwks, delegation_id, custodian_code, issued_by_agency, created_by, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)`,
          [
            id,
            clientId,
            system.code,
            system.agency_code,
            nfc(input.name),
            input.auth_method,
            jwks && JSON.stringify(jwks),
            delegation?.id ?? null,
            delegation?.custodian_code ?? null,
            p.agencyCode,
            p.username,
            now,
          ],
        );
        const secret = input.auth_method === 'client_secret' ? await addSecret(tx, id, now) : undefined;
        const account = await view(tx, (await loadAccount(tx, clientId))!);
        await recordChange(tx, { entity: ENTITY, key: clientId, action: 'create', actor: p.username, reason: input.reason, after: account, at: now });
        return { account, ...(secret && { client_secret: secret.secret }) };
      });
    },

    /** A new secret; the previous ones stay valid for the grace period, then stop (no downtime for the client). */
    async rotateSecret(p: Principal, clientId: string, opts: { grace_seconds?: number | undefined; reason: string }) {
      const grace = opts.grace_seconds ?? DEFAULT_GRACE_SECONDS;
      return db.transaction(async (tx) => {
        const row = await forChange(p, tx, clientId);
        if (row.auth_method !== 'client_secret')
          throw conflict(
            'Tài khoản dùng private_key_jwt: thay bộ khoá công khai thay vì đổi mật khẩu.',
            'The account uses private_key_jwt: replace its public keys instead of rotating a secret.',
          );
        const now = clock.now();
        const until = new Date(now.getTime() + grace * 1000);
        const before = await secretsOf(tx, row.id);
        await tx.query('UPDATE account_secrets SET expires_at = $2 WHERE account_id = $1 AND (expires_at IS NULL OR expires_at > $2)', [row.id, until]);
        const secret = await addSecret(tx, row.id, now);
        const updated = (
          await tx.query<AccountRow>(`UPDATE connection_accounts SET version = version + 1, updated_at = $2 WHERE id = $1 RETURNING ${COLUMNS}`, [row.id, now])
        ).rows[0]!;
        const account = await view(tx, updated);
        await recordChange(tx, {
          entity: ENTITY,
          key: clientId,
          action: 'rotate_secret',
          actor: p.username,
          reason: opts.reason,
          before: { secrets: before },
          after: { secrets: account.secrets },
          at: now,
        });
        return { account, client_secret: secret.secret, previous_secrets_valid_until: until };
      });
    },

    /** Immediate: the token endpoint refuses it at once, and the gateway within a second. */
    async revoke(p: Principal, clientId: string, reason: string): Promise<ConnectionAccount> {
      const account = await db.transaction(async (tx) => {
        const row = await forChange(p, tx, clientId);
        const now = clock.now();
        const updated = (
          await tx.query<AccountRow>(
            `UPDATE connection_accounts SET status = 'revoked', revoked_at = $2, updated_at = $2, version = version + 1 WHERE id = $1 RETURNING ${COLUMNS}`,
            [row.id, now],
          )
        ).rows[0]!;
        await recordChange(tx, { entity: ENTITY, key: clientId, action: 'revoke', actor: p.username, reason, before: row, after: updated, at: now });
        return view(tx, updated);
      });
      status.forget([clientId]);
      return account;
    },

    /** Registers or replaces the public keys of a private_key_jwt account (ES256, PS256, EdDSA). */
    async setJwks(p: Principal, clientId: string, jwksInput: { keys: Record<string, unknown>[] }, reason: string): Promise<ConnectionAccount> {
      const jwks = await checkClientJwks(jwksInput);
      return db.transaction(async (tx) => {
        const row = await forChange(p, tx, clientId);
        if (row.auth_method !== 'private_key_jwt')
          throw conflict('Tài khoản dùng mật khẩu (client_secret), không dùng bộ khoá công khai.', 'The account uses a client secret, not public keys.');
        const now = clock.now();
        const updated = (
          await tx.query<AccountRow>(`UPDATE connection_accounts SET jwks = $2, updated_at = $3, version = version + 1 WHERE id = $1 RETURNING ${COLUMNS}`, [
            row.id,
            JSON.stringify(jwks),
            now,
          ])
        ).rows[0]!;
        await recordChange(tx, {
          entity: ENTITY,
          key: clientId,
          action: 'set_jwks',
          actor: p.username,
          reason,
          before: { jwks: row.jwks },
          after: { jwks: updated.jwks },
          at: now,
        });
        return view(tx, updated);
      });
    },

    async history(p: Principal, clientId: string) {
      await visible(p, clientId);
      return historyOf(db, ENTITY, clientId);
    },
  };
}
