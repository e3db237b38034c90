import { Problem, PROBLEMS, conflict, forbidden, invalid, notFound } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import { nfc } from '../core/text.ts';
import { VIETNAM_TODAY, formatIsoDate, isIsoDate, vietnamDate } from '../core/time.ts';
import type { Clock } from '../core/clock.ts';
import type { Database, Queryable, Transaction } from '../db/database.ts';
import { type Page, Where } from '../db/rows.ts';
import type { Catalog } from '../catalog/index.ts';
import type { CodeLists } from '../codelists/index.ts';
import type { NotificationService } from '../notifications/index.ts';
import type { Registry } from '../registry/index.ts';
import { type Principal, administers, hasRole, seesEverything } from '../registry/index.ts';
import { checkSubset, refuse, systemRefusals, isSecret } from './rules.ts';
import type { Agreement, AgreementEvent, AgreementFilter, AgreementStatus, Amendment, ApprovalInput, EffectiveStatus, RequestInput } from './types.ts';

const COLUMNS = `id, kind, dataset_code, custodian_code, consumer_code, system_code, purpose_code, purpose_text, legal_basis,
  requested_fields, granted_fields, forms, frequency, valid_from, valid_to, status, second_approval_required,
  custodian_approved_by, version, created_by, created_at, updated_at`;
const PURPOSE_LIST = 'muc-dich-khai-thac';

const LIFECYCLE: Record<'suspend' | 'restore' | 'terminate', { from: AgreementStatus[]; to: AgreementStatus; label: Action }> = {
  suspend: { from: ['active'], to: 'suspended', label: ['tạm ngừng', 'suspend'] },
  restore: { from: ['suspended'], to: 'active', label: ['khôi phục', 'restore'] },
  terminate: { from: ['active', 'suspended', 'custodian_approved'], to: 'terminated', label: ['chấm dứt', 'terminate'] },
};
const EXPIRY_WARNING_DAYS = 7;

export interface AgreementView extends Agreement {
  effective_status: EffectiveStatus;
}

const addDays = (date: string, n: number) => new Date(Date.parse(`${date}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

/** An action's name in each language: a Vietnamese sentence gets the Vietnamese verb, an English one the English. */
type Action = [vi: string, en: string];

function wrongState(a: Agreement, [vi, en]: Action): Problem {
  return conflict(`Không thể ${vi} đề nghị ở trạng thái "${a.status}".`, `Cannot ${en} an agreement in status "${a.status}".`);
}

/** Date-only fields are Viet Nam calendar dates, compared with today's date there (src/core/time.ts). */
function beforeToday(path: string, field: string, label: string, date: string, today: string): Problem {
  return invalid(
    path,
    `${label} ${formatIsoDate(date)} (${field}) đã qua: ${VIETNAM_TODAY.vi(today)}.`,
    `${field} ${date} is before today: ${VIETNAM_TODAY.en(today)}.`,
  );
}

export function createAgreementService(
  db: Database,
  clock: Clock,
  deps: { registry: Registry; catalog: Catalog; codeLists: CodeLists; notifications: NotificationService; onChange: () => void },
) {
  const { registry, catalog, codeLists, notifications } = deps;
  /** Every state change commits, then tells this instance's decision cache at once (others poll the generation). */
  const commit = async <T>(fn: (tx: Transaction) => Promise<T>): Promise<T> => {
    const out = await db.transaction(fn);
    deps.onChange();
    return out;
  };
  const today = () => vietnamDate(clock.now());

  function view(a: Agreement): AgreementView {
    const t = today();
    const effective: EffectiveStatus = a.status === 'active' && a.valid_to < t ? 'expired' : a.status === 'active' && a.valid_from > t ? 'scheduled' : a.status;
    return { ...a, effective_status: effective };
  }

  async function load(id: string, q: Queryable = db, lock = false): Promise<Agreement> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw notFound('thoả thuận', 'agreement', id);
    const r = await q.query<Agreement>(`SELECT ${COLUMNS} FROM agreements WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    if (!r.rows[0]) throw notFound('thoả thuận', 'agreement', id);
    return r.rows[0];
  }

  /** Parties see their agreements; coordinators and auditors see all; others get 404, not 403. */
  function visible(p: Principal, a: Agreement): boolean {
    return seesEverything(p) || p.agencyCode === a.consumer_code || p.agencyCode === a.custodian_code;
  }

  async function transition(
    tx: Queryable,
    p: Principal | 'system',
    a: Agreement,
    to: AgreementStatus,
    action: string,
    reason: string | undefined,
    set: Record<string, unknown> = {},
    details: Record<string, unknown> = {},
  ): Promise<Agreement> {
    const cols = Object.keys(set);
    const r = await tx.query<Agreement>(
      `UPDATE agreements SET status = $2, version = version + 1, updated_at = $3${cols.map((c, i) => `, ${c} = $${i + 4}`).join('')}
        WHERE id = $1 RETURNING ${COLUMNS}`,
      [a.id, to, clock.now(), ...cols.map((c) => set[c])],
    );
    await tx.query(
      `INSERT INTO agreement_events (id, agreement_id, action, from_status, to_status, actor, actor_agency, at, reason, details) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        newId(),
        a.id,
        action,
        a.status,
        to,
        p === 'system' ? 'system' : p.username,
        p === 'system' ? null : p.agencyCode,
        clock.now(),
        reason ?? null,
        JSON.stringify(details),
      ],
    );
    return r.rows[0]!;
  }

  async function tell(tx: Queryable, agency: string, kind: string, a: Agreement, vi: string, en: string, payload: Record<string, unknown> = {}): Promise<void> {
    await notifications.notify(tx, {
      agency,
      kind,
      subject_vi: vi,
      subject_en: en,
      ref_type: 'agreement',
      ref_id: a.id,
      payload: { dataset: a.dataset_code, system: a.system_code, status: a.status, ...payload },
    });
  }

  /** Request-time checks shared by submit and resubmit. */
  async function checkRequest(r: RequestInput, consumer: string): Promise<{ custodian: string; secret: boolean }> {
    const dataset = await catalog.datasets.get(r.dataset_code);
    if (dataset.status !== 'published')
      throw new Problem(PROBLEMS.unprocessable, { detail: 'Bộ dữ liệu chưa được công bố để chia sẻ.', detail_en: 'The dataset is not published for sharing.' });
    if (!dataset.auth_required) {
      throw new Problem(PROBLEMS.unprocessable, {
        rule: 'R-14.1',
        detail: 'Bộ dữ liệu này không yêu cầu xác thực nên không cần thoả thuận chia sẻ.',
        detail_en: 'This dataset needs no authentication, so no agreement is needed.',
      });
    }
    const kind = r.kind ?? 'standard';
    if (kind === 'standard' && dataset.audience === 'central_offices' && !(await registry.agencies.get(consumer)).central_office) {
      throw new Problem(PROBLEMS.unprocessable, {
        rule: 'R-9.2',
        detail: 'Dữ liệu này chỉ chia sẻ giữa 4 Văn phòng Trung ương (Điều 10); cơ quan khác gửi đề nghị theo Khoản 2 Điều 9 (kind "art_9_2").',
        detail_en: 'This data is shared among the four Central Offices (Art. 10); other agencies file an Art. 9.2 request (kind "art_9_2").',
      });
    }
    const purposes = await codeLists.lookup(PURPOSE_LIST, today());
    if (!purposes?.has(r.purpose_code))
      throw invalid(
        '/purpose_code',
        `Mã mục đích "${r.purpose_code}" không có trong danh mục ${PURPOSE_LIST}.`,
        `Purpose code "${r.purpose_code}" is not in code list ${PURPOSE_LIST}.`,
      );
    const fields = await catalog.fields(r.dataset_code);
    checkSubset(
      r.requested_fields,
      fields.map((f) => f.name),
      '/requested_fields',
      'các trường bộ dữ liệu chia sẻ',
      "the dataset's shared fields",
    );
    if (!isIsoDate(r.valid_from) || !isIsoDate(r.valid_to) || r.valid_to < r.valid_from)
      throw invalid('/valid_to', 'Thời hạn không hợp lệ: valid_to phải từ valid_from trở đi.', 'Invalid validity: valid_to must not precede valid_from.');
    const t = today();
    if (r.valid_from < t) throw beforeToday('/valid_from', 'valid_from', 'Ngày bắt đầu hiệu lực', r.valid_from, t);
    const system = await registry.systems.byCode(r.system_code);
    const refusals = systemRefusals(dataset, system);
    if (refusals.length) throw refuse(refusals);
    return { custodian: dataset.custodian_code, secret: isSecret(dataset) };
  }

  async function recheckAtApproval(a: Agreement, tx: Queryable): Promise<void> {
    const refusals = systemRefusals(await catalog.datasets.get(a.dataset_code, tx), await registry.systems.byCode(a.system_code, tx));
    if (refusals.length) throw refuse(refusals);
  }

  const isCustodianAdmin = (p: Principal, a: Agreement) => p.agencyCode === a.custodian_code && hasRole(p, 'custodian_admin');
  const isCustodianApprover = (p: Principal, a: Agreement) => p.agencyCode === a.custodian_code && hasRole(p, 'approver');
  const denyCustodian = () => forbidden('Chỉ cơ quan chủ quản dữ liệu quyết định việc chia sẻ.', 'Only the data custodian decides on sharing.', 'R-8.2');

  return {
    view,

    /** An agreement as its effective status stands now, for the platform's own work (scheduled deliveries): no reader to check. */
    byId: async (id: string): Promise<AgreementView> => view(await load(id)),

    async get(p: Principal, id: string): Promise<AgreementView & { events: AgreementEvent[] }> {
      const a = await load(id);
      if (!visible(p, a)) throw notFound('thoả thuận', 'agreement', id);
      const ev = await db.query<AgreementEvent>(
        'SELECT action, from_status, to_status, actor, actor_agency, at, reason, details FROM agreement_events WHERE agreement_id = $1 ORDER BY at, id',
        [id],
      );
      return { ...view(a), events: ev.rows };
    },

    async list(p: Principal, f: AgreementFilter): Promise<Page<AgreementView>> {
      const w = new Where();
      if (!seesEverything(p)) {
        const me = w.next(p.agencyCode);
        w.addRawIf(true, `(consumer_code = ${me} OR custodian_code = ${me})`);
      }
      w.addIf(f.status !== undefined, 'status = ?', f.status)
        .addIf(f.dataset !== undefined, 'dataset_code = ?', f.dataset)
        .addIf(f.system !== undefined, 'system_code = ?', f.system)
        .addIf(f.consumer !== undefined, 'consumer_code = ?', f.consumer)
        .addIf(f.custodian !== undefined, 'custodian_code = ?', f.custodian)
        .addIf(f.kind !== undefined, 'kind = ?', f.kind);
      const total = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM agreements ${w}`, w.params);
      const rows = await db.query<Agreement>(
        `SELECT ${COLUMNS} FROM agreements ${w} ORDER BY created_at DESC, id LIMIT ${w.next(f.limit)} OFFSET ${w.next(f.offset)}`,
        w.params,
      );
      return { items: rows.rows.map(view), total: total.rows[0]!.n, limit: f.limit, offset: f.offset };
    },

    /** A consumer administrator asks for a dataset for one of its systems (R-4.2, R-5.2, R-9.2). */
    async request(p: Principal, r: RequestInput): Promise<AgreementView> {
      const system = await registry.systems.byCode(r.system_code).catch(() => null);
      if (!system || !administers(p, system.agency_code, 'consumer_admin')) {
        throw forbidden(
          'Chỉ quản trị viên khai thác của cơ quan sở hữu hệ thống được gửi đề nghị.',
          "Only consumer administrators of the system's agency may file a request.",
        );
      }
      const { custodian, secret } = await checkRequest(r, system.agency_code);
      const now = clock.now();
      return view(
        await commit(async (tx) => {
          const id = newId();
          await tx.query(
            `INSERT INTO agreements (id, kind, dataset_code, custodian_code, consumer_code, system_code, purpose_code, purpose_text, legal_basis,
             requested_fields, forms, frequency, valid_from, valid_to, status, second_approval_required, created_by, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'submitted', $15, $16, $17, $17)`,
            [
              id,
              r.kind ?? 'standard',
              r.dataset_code,
              custodian,
              system.agency_code,
              r.system_code,
              r.purpose_code,
              nfc(r.purpose_text),
              nfc(r.legal_basis),
              r.requested_fields,
              r.forms,
              r.frequency,
              r.valid_from,
              r.valid_to,
              secret,
              p.username,
              now,
            ],
          );
          await tx.query(
            `INSERT INTO agreement_events (id, agreement_id, action, from_status, to_status, actor, actor_agency, at) VALUES ($1, $2, 'submit', NULL, 'submitted', $3, $4, $5)`,
            [newId(), id, p.username, p.agencyCode, now],
          );
          const a = await load(id, tx);
          await tell(
            tx,
            custodian,
            'agreement.requested',
            a,
            `Đề nghị chia sẻ "${r.dataset_code}" từ ${system.agency_code}`,
            `Request for "${r.dataset_code}" from ${system.agency_code}`,
          );
          return a;
        }),
      );
    },

    /** Custodian's approval (may narrow fields and shorten validity); for secret data, then the approver's (R-11). */
    async approve(p: Principal, id: string, input: ApprovalInput): Promise<AgreementView> {
      return view(
        await commit(async (tx) => {
          const a = await load(id, tx, true);
          if (!visible(p, a)) throw notFound('thoả thuận', 'agreement', id);
          if (a.status === 'submitted') {
            if (!isCustodianAdmin(p, a)) throw denyCustodian();
            const granted = input.granted_fields ?? a.requested_fields;
            checkSubset(granted, a.requested_fields, '/granted_fields', 'các trường đã đề nghị', 'the requested fields');
            if (granted.length === 0) throw invalid('/granted_fields', 'Phải cho phép ít nhất một trường.', 'Grant at least one field.');
            const validTo = input.valid_to ?? a.valid_to;
            if (!isIsoDate(validTo) || validTo > a.valid_to || validTo < a.valid_from)
              throw invalid('/valid_to', 'Chỉ được rút ngắn thời hạn trong khoảng đã đề nghị.', 'Validity may only be shortened within the requested window.');
            if (input.valid_to !== undefined && input.valid_to < today())
              throw beforeToday('/valid_to', 'valid_to', 'Ngày cuối cùng có hiệu lực', input.valid_to, today());
            await recheckAtApproval(a, tx);
            const next = a.second_approval_required ? 'custodian_approved' : 'active';
            const out = await transition(
              tx,
              p,
              a,
              next,
              'approve',
              input.reason,
              { granted_fields: granted, valid_to: validTo, custodian_approved_by: p.username },
              { granted_fields: granted, valid_to: validTo },
            );
            if (next === 'custodian_approved')
              await tell(
                tx,
                a.custodian_code,
                'agreement.approval_needed',
                out,
                `Cần người có thẩm quyền phê duyệt chia sẻ dữ liệu mật "${a.dataset_code}"`,
                `Competent approval needed for secret data "${a.dataset_code}"`,
              );
            else
              await tell(
                tx,
                a.consumer_code,
                'agreement.approved',
                out,
                `Đề nghị chia sẻ "${a.dataset_code}" đã được chấp thuận`,
                `Request for "${a.dataset_code}" approved`,
              );
            return out;
          }
          if (a.status === 'custodian_approved') {
            // R-11: a competent person approves state-secret sharing, and it is not the person who made the first decision.
            if (!isCustodianApprover(p, a))
              throw forbidden(
                'Dữ liệu mật cần người có thẩm quyền (vai trò approver) của cơ quan chủ quản phê duyệt.',
                'Secret data needs approval by a competent person (role approver) of the custodian.',
                'R-11',
              );
            if (p.username === a.custodian_approved_by)
              throw forbidden(
                'Người phê duyệt bước hai phải khác người chấp thuận bước một.',
                'The second approval must come from someone other than the first.',
                'R-11',
              );
            if (input.granted_fields !== undefined || input.valid_to !== undefined)
              throw invalid(
                '/granted_fields',
                'Bước phê duyệt thứ hai không sửa phạm vi; hãy từ chối nếu cần sửa.',
                'The second approval does not change the scope; reject it if the scope must change.',
              );
            await recheckAtApproval(a, tx);
            const out = await transition(tx, p, a, 'active', 'approve_secret', input.reason);
            await tell(
              tx,
              a.consumer_code,
              'agreement.approved',
              out,
              `Đề nghị chia sẻ "${a.dataset_code}" đã được phê duyệt`,
              `Request for "${a.dataset_code}" approved`,
            );
            return out;
          }
          throw wrongState(a, ['phê duyệt', 'approve']);
        }),
      );
    },

    async reject(p: Principal, id: string, reason: string): Promise<AgreementView> {
      return view(
        await commit(async (tx) => {
          const a = await load(id, tx, true);
          if (!visible(p, a)) throw notFound('thoả thuận', 'agreement', id);
          const allowed = a.status === 'custodian_approved' ? isCustodianApprover(p, a) || isCustodianAdmin(p, a) : isCustodianAdmin(p, a);
          if (!['submitted', 'changes_requested', 'custodian_approved'].includes(a.status)) throw wrongState(a, ['từ chối', 'reject']);
          if (!allowed) throw denyCustodian();
          const out = await transition(tx, p, a, 'rejected', 'reject', reason);
          await tell(
            tx,
            a.consumer_code,
            'agreement.rejected',
            out,
            `Đề nghị chia sẻ "${a.dataset_code}" bị từ chối`,
            `Request for "${a.dataset_code}" rejected`,
            { reason },
          );
          return out;
        }),
      );
    },

    async requestChanges(p: Principal, id: string, reason: string): Promise<AgreementView> {
      return view(
        await commit(async (tx) => {
          const a = await load(id, tx, true);
          if (!visible(p, a)) throw notFound('thoả thuận', 'agreement', id);
          if (a.status !== 'submitted') throw wrongState(a, ['yêu cầu sửa', 'request changes to']);
          if (!isCustodianAdmin(p, a)) throw denyCustodian();
          const out = await transition(tx, p, a, 'changes_requested', 'request_changes', reason);
          await tell(
            tx,
            a.consumer_code,
            'agreement.changes_requested',
            out,
            `Cần sửa đề nghị chia sẻ "${a.dataset_code}"`,
            `Changes requested for "${a.dataset_code}"`,
            { reason },
          );
          return out;
        }),
      );
    },

    /** The consumer amends a request the custodian sent back. */
    async resubmit(p: Principal, id: string, change: Amendment): Promise<AgreementView> {
      const a0 = await load(id);
      if (!visible(p, a0)) throw notFound('thoả thuận', 'agreement', id);
      if (!administers(p, a0.consumer_code, 'consumer_admin'))
        throw forbidden('Chỉ bên đề nghị được sửa đề nghị.', 'Only the requesting agency amends its request.');
      const merged: RequestInput = { ...a0, ...change, kind: a0.kind };
      await checkRequest(merged, a0.consumer_code);
      return view(
        await commit(async (tx) => {
          const a = await load(id, tx, true);
          if (a.status !== 'changes_requested') throw wrongState(a, ['gửi lại', 'resubmit']);
          const set = {
            purpose_code: merged.purpose_code,
            purpose_text: nfc(merged.purpose_text),
            legal_basis: nfc(merged.legal_basis),
            requested_fields: merged.requested_fields,
            forms: merged.forms,
            frequency: merged.frequency,
            valid_from: merged.valid_from,
            valid_to: merged.valid_to,
          };
          const out = await transition(tx, p, a, 'submitted', 'resubmit', undefined, set, { changed: Object.keys(change) });
          await tell(
            tx,
            a.custodian_code,
            'agreement.requested',
            out,
            `Đề nghị chia sẻ "${a.dataset_code}" đã được sửa và gửi lại`,
            `Request for "${a.dataset_code}" amended and resubmitted`,
          );
          return out;
        }),
      );
    },

    /** The consumer no longer needs the data (R-16.1d). */
    async withdraw(p: Principal, id: string, reason: string): Promise<AgreementView> {
      return view(
        await commit(async (tx) => {
          const a = await load(id, tx, true);
          if (!visible(p, a)) throw notFound('thoả thuận', 'agreement', id);
          if (!administers(p, a.consumer_code, 'consumer_admin')) throw forbidden('Chỉ bên khai thác được rút đề nghị.', 'Only the consumer withdraws.');
          if (!['submitted', 'changes_requested', 'custodian_approved', 'active'].includes(a.status)) throw wrongState(a, ['rút', 'withdraw']);
          const out = await transition(tx, p, a, 'withdrawn', 'withdraw', reason);
          await tell(
            tx,
            a.custodian_code,
            'agreement.withdrawn',
            out,
            `Bên khai thác rút thoả thuận "${a.dataset_code}"`,
            `Consumer withdrew "${a.dataset_code}"`,
            { reason },
          );
          return out;
        }),
      );
    },

    /**
     * The custodian (or the coordinator) takes back an approval before the grant is in force (awaiting
     * its second approval). R-16.1: a grant in force ends only on one of the grounds of Art. 16.1,
     * with its evidence — through termination (lifecycle), which checks the ground and tells the
     * consumer, the custodian and VPTW (R-16.3); revoking it would sidestep that, and the 30 days
     * ground (đ) gives a consumer that violated a rule.
     */
    async revoke(p: Principal, id: string, reason: string): Promise<AgreementView> {
      return view(
        await commit(async (tx) => {
          const a = await load(id, tx, true);
          if (!visible(p, a)) throw notFound('thoả thuận', 'agreement', id);
          if (!isCustodianAdmin(p, a) && !hasRole(p, 'coordinator')) throw denyCustodian();
          if (a.status === 'active' || a.status === 'suspended') {
            throw new Problem(PROBLEMS.unprocessable, {
              rule: 'R-16.1',
              detail:
                'Thoả thuận đang có hiệu lực chỉ chấm dứt theo một căn cứ tại khoản 1 Điều 16, kèm tài liệu chứng minh: dùng thao tác chấm dứt (POST …/terminate).',
              detail_en: 'An agreement in force ends only on a ground of Art. 16.1, with its evidence: terminate it (POST …/terminate).',
            });
          }
          if (a.status !== 'custodian_approved') throw wrongState(a, ['thu hồi', 'revoke']);
          const out = await transition(tx, p, a, 'revoked', 'revoke', reason);
          await tell(
            tx,
            a.consumer_code,
            'agreement.revoked',
            out,
            `Thoả thuận chia sẻ "${a.dataset_code}" bị thu hồi`,
            `Agreement for "${a.dataset_code}" revoked`,
            { reason },
          );
          return out;
        }),
      );
    },

    /**
     * R-15.2, R-16: the lifecycle module's changes of an agreement, in its transaction — suspend
     * (active → suspended, with the note the consumer is refused with), restore (suspended →
     * active), terminate (→ terminated, final: a new request is needed). The caller commits, then
     * calls `invalidate()` so this instance's decisions see the change at once.
     */
    /**
     * R-15.3, R-15.4: every consumer agency with an agreement in force on the dataset (active or
     * suspended, not yet expired — a consumer suspended today still needs to know when the service
     * itself stops), each once; read in the caller's transaction.
     */
    async consumersOf(q: Queryable, dataset: string, today: string): Promise<string[]> {
      const r = await q.query<{ consumer_code: string }>(
        "SELECT DISTINCT consumer_code FROM agreements WHERE dataset_code = $1 AND status IN ('active', 'suspended') AND valid_to >= $2 ORDER BY consumer_code",
        [dataset, today],
      );
      return r.rows.map((x) => x.consumer_code);
    },

    async lifecycle(
      tx: Queryable,
      p: Principal,
      id: string,
      action: 'suspend' | 'restore' | 'terminate',
      reason: string,
      details: Record<string, unknown> = {},
      note?: { reason_vi: string; reason_en: string; reference: string },
    ): Promise<Agreement> {
      const a = await load(id, tx, true);
      if (!visible(p, a)) throw notFound('thoả thuận', 'agreement', id);
      if (!isCustodianAdmin(p, a) && !hasRole(p, 'coordinator')) throw denyCustodian();
      const rule = LIFECYCLE[action];
      if (!rule.from.includes(a.status)) throw wrongState(a, rule.label);
      return transition(tx, p, a, rule.to, action, reason, { suspension_note: action === 'suspend' ? JSON.stringify(note ?? null) : null }, details);
    },

    /** Records expiries (and warns 7 days ahead) so both parties hear of them; decisions never wait for this. */
    async sweepExpiries(): Promise<{ expired: number; warned: number }> {
      const t = today();
      const ended = await db.query<Agreement>(`SELECT ${COLUMNS} FROM agreements WHERE status = 'active' AND valid_to < $1`, [t]);
      for (const a0 of ended.rows) {
        await commit(async (tx) => {
          const a = await load(a0.id, tx, true);
          if (a.status !== 'active' || a.valid_to >= t) return;
          const out = await transition(tx, 'system', a, 'expired', 'expire', 'Hết thời hạn / validity ended');
          for (const agency of [a.consumer_code, a.custodian_code])
            await tell(tx, agency, 'agreement.expired', out, `Thoả thuận "${a.dataset_code}" đã hết hạn`, `Agreement for "${a.dataset_code}" expired`);
        });
      }
      const ending = await db.query<Agreement>(`SELECT ${COLUMNS} FROM agreements a WHERE status = 'active' AND valid_to >= $1 AND valid_to <= $2`, [
        t,
        addDays(t, EXPIRY_WARNING_DAYS),
      ]);
      // (the notifications module knows which were warned already)
      const warned = await notifications.sentFor(
        'agreement.expiring',
        ending.rows.map((a) => a.id),
      );
      const soon = ending.rows.filter((a) => !warned.has(a.id));
      await db.transaction(async (tx) => {
        for (const a of soon)
          for (const agency of [a.consumer_code, a.custodian_code])
            await tell(
              tx,
              agency,
              'agreement.expiring',
              a,
              `Thoả thuận "${a.dataset_code}" hết hạn sau ngày ${formatIsoDate(a.valid_to)}`,
              `Agreement for "${a.dataset_code}" expires after ${a.valid_to} (Viet Nam date)`,
            );
      });
      return { expired: ended.rows.length, warned: soon.length };
    },
  };
}
