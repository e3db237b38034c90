import type { Catalog, Dataset } from '../catalog/index.ts';
import type { CodeItem } from '../codelists/index.ts';
import type { Clock } from '../core/clock.ts';
import { PROBLEMS, Problem, conflict, forbidden, invalid, notFound } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import { vietnamDate } from '../core/time.ts';
import type { Database, Queryable } from '../db/database.ts';
import { recordChange } from '../db/history.ts';
import type { NotificationService } from '../notifications/index.ts';
import { type Principal, type Registry, hasRole, seesEverything } from '../registry/index.ts';
import { requireCustodian } from './access.ts';

/** The part of a dataset a producer may write: records whose `field` holds one of `values`. */
export interface ProducerScope {
  field: string;
  values: string[];
}

export interface ProducerAuthorisation {
  id: string;
  dataset_code: string;
  producer_agency_code: string;
  /** null: any system of the producer agency. */
  system_code: string | null;
  /** null: the whole dataset. */
  scope: ProducerScope | null;
  granted_by: string;
  granted_at: Date;
  /** Last day in force (Viet Nam date, inclusive); null: until revoked. */
  valid_until: string | null;
  revoked_at: Date | null;
  revoked_by: string | null;
  revoke_reason: string | null;
  status: 'active' | 'expired' | 'revoked';
}

export interface ProducerInput {
  agency_code: string;
  system_code?: string | null | undefined;
  scope?: ProducerScope | null | undefined;
  valid_until?: string | null | undefined;
}

interface Row {
  id: string;
  dataset_code: string;
  producer_agency_code: string;
  system_code: string | null;
  scope_field: string | null;
  scope_values: string[] | null;
  granted_by: string;
  granted_at: Date;
  valid_until: string | null;
  revoked_at: Date | null;
  revoked_by: string | null;
  revoke_reason: string | null;
}

const COLUMNS =
  'id, dataset_code, producer_agency_code, system_code, scope_field, scope_values, granted_by, granted_at, valid_until::text AS valid_until, revoked_at, revoked_by, revoke_reason';

export interface ProducerDeps {
  catalog: Catalog;
  registry: Pick<Registry, 'agencies' | 'systems'>;
  notifications: Pick<NotificationService, 'notify'>;
  /** A code list's items in force on a date (codelists' lookup): scope values of a coded field must be its codes. */
  lookup(list: string, on: string): Promise<Map<string, CodeItem> | null>;
}

/**
 * R-4.1 "the level where data arises updates it": the custodian of a hosted dataset authorises other
 * agencies' systems to write it, or the part of it their scope names. The rows are never deleted
 * (a revocation is a change, written to the history), so who could write what is always answerable.
 */
export function createProducerService(db: Database, clock: Clock, deps: ProducerDeps) {
  const today = () => vietnamDate(clock.now());
  const present = (r: Row, on = today()): ProducerAuthorisation => ({
    id: r.id,
    dataset_code: r.dataset_code,
    producer_agency_code: r.producer_agency_code,
    system_code: r.system_code,
    scope: r.scope_field === null ? null : { field: r.scope_field, values: r.scope_values ?? [] },
    granted_by: r.granted_by,
    granted_at: r.granted_at,
    valid_until: r.valid_until,
    revoked_at: r.revoked_at,
    revoked_by: r.revoked_by,
    revoke_reason: r.revoke_reason,
    status: r.revoked_at ? 'revoked' : r.valid_until !== null && r.valid_until < on ? 'expired' : 'active',
  });

  /** Scope fields and values must mean something: a field of the dataset, codes of its code list. */
  async function checkScope(d: Dataset, scope: ProducerScope): Promise<ProducerScope> {
    const fields = await deps.catalog.dictionary.resolve(d.sharing_spec);
    const field = fields.find((f) => f.name === scope.field);
    if (!field) throw invalid('/scope/field', `Bộ dữ liệu không có trường "${scope.field}".`, `The dataset has no field "${scope.field}".`);
    const values = [...new Set(scope.values.map((v) => v.normalize('NFC').trim()))].filter(Boolean);
    if (values.length === 0) throw invalid('/scope/values', 'Phạm vi cần ít nhất một giá trị.', 'A scope needs at least one value.');
    if (field.code_list) {
      const items = await deps.lookup(field.code_list, today());
      const unknown = values.filter((v) => {
        const item = items?.get(v);
        return !item || (field.code_list_level !== null && item.attributes.level !== field.code_list_level);
      });
      if (unknown.length) {
        throw invalid(
          '/scope/values',
          `Không phải mã của danh mục "${field.code_list}": ${unknown.join(', ')}.`,
          `Not codes of the code list "${field.code_list}": ${unknown.join(', ')}.`,
        );
      }
    }
    return { field: field.name, values };
  }

  /** The system, when named, must be one of the producer agency's (one answer for "unknown" and "another agency's": nothing leaks). */
  async function checkSystem(agency: string, system: string): Promise<void> {
    const s = await deps.registry.systems.byCode(system).catch(() => null);
    if (s?.agency_code !== agency)
      throw invalid('/system_code', `Hệ thống ${system} không phải của cơ quan ${agency}.`, `System ${system} is not a system of agency ${agency}.`);
  }

  async function load(q: Queryable, code: string, id: string, lock = ''): Promise<Row> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw notFound('uỷ quyền cập nhật', 'producer authorisation', id);
    const r = await q.query<Row>(`SELECT ${COLUMNS} FROM producer_authorisations WHERE id = $1 AND dataset_code = $2 ${lock}`, [id, code]);
    if (!r.rows[0]) throw notFound('uỷ quyền cập nhật', 'producer authorisation', id);
    return r.rows[0];
  }

  const describe = (a: ProducerAuthorisation) => ({
    dataset: a.dataset_code,
    system: a.system_code,
    scope: a.scope,
    valid_until: a.valid_until,
  });

  return {
    async grant(p: Principal, code: string, input: ProducerInput): Promise<ProducerAuthorisation> {
      const d = await deps.catalog.datasets.get(code);
      requireCustodian(p, d);
      if (d.mode !== 'hosted' || d.status === 'retired')
        throw new Problem(PROBLEMS.unprocessable, {
          rule: 'R-4.1',
          detail: 'Chỉ uỷ quyền cập nhật bộ dữ liệu đang dùng, lưu trên nền tảng.',
          detail_en: 'Only a dataset hosted on the platform, and not retired, has producers.',
        });
      const agency = input.agency_code;
      if (agency === d.custodian_code)
        throw invalid('/agency_code', 'Cơ quan chủ quản đã được cập nhật toàn bộ bộ dữ liệu.', 'The custodian already updates the whole dataset.');
      await deps.registry.agencies.requireExisting(agency);
      if (input.system_code) await checkSystem(agency, input.system_code);
      const scope = input.scope ? await checkScope(d, input.scope) : null;
      if (input.valid_until && input.valid_until < today()) throw invalid('/valid_until', 'Ngày hết hiệu lực đã qua.', 'The last day in force has passed.');
      const now = clock.now();
      return db.transaction(async (tx) => {
        const r = await tx.query<Row>(
          `INSERT INTO producer_authorisations (id, dataset_code, producer_agency_code, system_code, scope_field, scope_values, granted_by, granted_at, valid_until)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${COLUMNS}`,
          [newId(), code, agency, input.system_code ?? null, scope?.field ?? null, scope?.values ?? null, p.username, now, input.valid_until ?? null],
        );
        const a = present(r.rows[0]!);
        await recordChange(tx, { entity: 'producer_authorisation', key: a.id, action: 'grant', actor: p.username, at: now, after: describe(a) });
        await deps.notifications.notify(tx, {
          agency,
          kind: 'producer_authorised',
          subject_vi: `${d.custodian_code} uỷ quyền cho cơ quan cập nhật bộ dữ liệu ${code}${scope ? ` (${scope.field}: ${scope.values.join(', ')})` : ''}`,
          subject_en: `${d.custodian_code} authorised the agency to update the dataset ${code}${scope ? ` (${scope.field}: ${scope.values.join(', ')})` : ''}`,
          ref_type: 'producer_authorisation',
          ref_id: a.id,
          payload: describe(a),
        });
        return a;
      });
    },

    async revoke(p: Principal, code: string, id: string, reason: string): Promise<ProducerAuthorisation> {
      requireCustodian(p, await deps.catalog.datasets.get(code));
      const now = clock.now();
      return db.transaction(async (tx) => {
        const before = present(await load(tx, code, id, 'FOR UPDATE'));
        if (before.revoked_at) throw conflict('Uỷ quyền này đã bị thu hồi.', 'This authorisation is already revoked.');
        const r = await tx.query<Row>(
          `UPDATE producer_authorisations SET revoked_at = $2, revoked_by = $3, revoke_reason = $4 WHERE id = $1 RETURNING ${COLUMNS}`,
          [id, now, p.username, reason],
        );
        const after = present(r.rows[0]!);
        await recordChange(tx, {
          entity: 'producer_authorisation',
          key: id,
          action: 'revoke',
          actor: p.username,
          at: now,
          reason,
          before: { revoked_at: null },
          after: { revoked_at: now.toISOString() },
        });
        await deps.notifications.notify(tx, {
          agency: after.producer_agency_code,
          kind: 'producer_revoked',
          subject_vi: `Thu hồi uỷ quyền cập nhật bộ dữ liệu ${code}: ${reason}`,
          subject_en: `Authorisation to update the dataset ${code} revoked: ${reason}`,
          ref_type: 'producer_authorisation',
          ref_id: id,
          payload: { ...describe(after), reason },
        });
        return after;
      });
    },

    /** The custodian's administrators, and who sees everything (the coordinator, auditors), read them. */
    async list(p: Principal, code: string): Promise<ProducerAuthorisation[]> {
      const d = await deps.catalog.datasets.get(code);
      if (!seesEverything(p) && !(p.agencyCode === d.custodian_code && hasRole(p, 'custodian_admin'))) {
        throw forbidden(
          'Chỉ quản trị viên của cơ quan chủ quản và Văn phòng Trung ương Đảng xem được uỷ quyền cập nhật.',
          "Only the custodian's administrators and the coordinator read producer authorisations.",
          'R-4.1',
        );
      }
      const r = await db.query<Row>(`SELECT ${COLUMNS} FROM producer_authorisations WHERE dataset_code = $1 ORDER BY granted_at DESC, id`, [code]);
      const on = today();
      return r.rows.map((row) => present(row, on));
    },

    /**
     * The authorisations in force that let `system` of `agency` write the dataset (none: it may
     * not). Read in the write's transaction too, so a revocation that lands first is obeyed.
     */
    async inForce(code: string, agency: string, system: string, q: Queryable = db): Promise<ProducerAuthorisation[]> {
      const on = today();
      const r = await q.query<Row>(
        `SELECT ${COLUMNS} FROM producer_authorisations
          WHERE dataset_code = $1 AND producer_agency_code = $2 AND (system_code IS NULL OR system_code = $3)
            AND revoked_at IS NULL AND (valid_until IS NULL OR valid_until >= $4::date)`,
        [code, agency, system, on],
      );
      return r.rows.map((row) => present(row, on));
    },
  };
}

export type ProducerService = ReturnType<typeof createProducerService>;
