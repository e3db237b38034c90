import { Problem, PROBLEMS } from '../core/errors.ts';
import { VIETNAM_TODAY, formatIsoDate, formatVietnamTime, vietnamDate } from '../core/time.ts';
import type { Clock } from '../core/clock.ts';
import type { Database, Queryable } from '../db/database.ts';
import type { Agreements } from '../agreements/index.ts';
import type { NotificationService } from '../notifications/index.ts';
import { COORDINATOR_AGENCY, type Principal } from '../registry/index.ts';
import type { ConsumerSuspensionView, RemedyStatus } from './consumer-suspensions.ts';
import { DEADLINE_BASIS, type DeadlineBasis } from './deadline-basis.ts';
import { recordEvent } from './events.ts';

/** R-16.1 (a)–(đ). */
export const TERMINATION_GROUNDS = ['a', 'b', 'c', 'd', 'đ'] as const;
export type TerminationGround = (typeof TERMINATION_GROUNDS)[number];
const GROUND_TEXT: Record<TerminationGround, [string, string]> = {
  a: ['Mục đích khai thác không còn phù hợp với mục đích đã được phê duyệt', 'The purpose of use no longer matches the approved purpose'],
  b: ['Không thể khôi phục kết nối', 'The connection cannot be restored'],
  c: ['Theo yêu cầu của cơ quan có thẩm quyền', 'At the request of a competent authority'],
  d: ['Bên khai thác không còn nhu cầu hoặc thoả thuận đã hết hạn', 'The consumer no longer needs it, or the agreement expired'],
  đ: [
    'Bên khai thác không khắc phục vi phạm trong 30 ngày kể từ khi nhận được thông báo',
    'The consumer did not remedy a violation within 30 days of receiving the notice',
  ],
};

export interface GroundView {
  ground: TerminationGround;
  label_vi: string;
  label_en: string;
  eligible: boolean;
  rests_on: string | null;
  evidence_required: boolean;
  /** Ground (đ) only: the suspension it rests on and where its 30 days stand. */
  eligible_from?: string | null;
  suspension?: string | null;
  received_at?: Date | null;
  remedied_at?: Date | null;
  remedy_status?: RemedyStatus | null;
  deadline_basis?: DeadlineBasis;
}

export function createTerminations(
  db: Database,
  clock: Clock,
  deps: {
    agreements: Agreements;
    notifications: NotificationService;
    /** R-16.1(đ): the agreement's suspension not yet restored, with its receipt and remedy. */
    openSuspension(agreementId: string): Promise<ConsumerSuspensionView | null>;
    /** R-16.1(b): the reference of a force-majeure stop of the dataset in effect at `at`, if any. */
    forceMajeureStop(dataset: string, at: Date): Promise<string | null>;
  },
) {
  /**
   * each ground, whether it applies now, and what it rests on: (b) a force-majeure stop
   * of the dataset still in effect; (đ) a violation notice the consumer received 30 days ago or
   * more and has not remedied; (a), (c), (d) the document the custodian cites (`evidence`) — a
   * decision, a competent authority's request, the consumer's own request — which the termination
   * records and sends to all parties.
   */
  async function eligibility(p: Principal, agreementId: string) {
    const a = await deps.agreements.service.get(p, agreementId);
    const open = await deps.openSuspension(a.id);
    const today = vietnamDate(clock.now());
    const stop = await deps.forceMajeureStop(a.dataset_code, clock.now());
    // R-16.1(đ): only an expired period — received, not remedied, not restored, 30 days past — opens (đ).
    const rests: Record<TerminationGround, { eligible: boolean; rests_on: string | null; evidence_required: boolean }> = {
      a: { eligible: true, rests_on: null, evidence_required: true },
      b: { eligible: stop !== null, rests_on: stop, evidence_required: false },
      c: { eligible: true, rests_on: null, evidence_required: true },
      d: { eligible: true, rests_on: null, evidence_required: true },
      đ: { eligible: open?.remedy_status === 'expired', rests_on: open?.reference ?? null, evidence_required: false },
    };
    const remedy = {
      eligible_from: open?.termination_eligible_from ?? null,
      suspension: open?.reference ?? null,
      received_at: open?.received_at ?? null,
      remedied_at: open?.remedied_at ?? null,
      remedy_status: open?.remedy_status ?? null,
      deadline_basis: DEADLINE_BASIS.remedy,
    };
    const grounds: GroundView[] = TERMINATION_GROUNDS.map((g) => ({
      ground: g,
      label_vi: GROUND_TEXT[g][0],
      label_en: GROUND_TEXT[g][1],
      ...rests[g],
      ...(g === 'đ' && remedy),
    }));
    return { agreement_id: a.id, status: a.status, today, grounds };
  }

  function refuse(ground: TerminationGround, g: GroundView, today: string): void {
    if (g.evidence_required) {
      throw new Problem(PROBLEMS.validation, {
        rule: 'R-16.1',
        detail: `Chấm dứt theo điểm ${ground} khoản 1 Điều 16 phải nêu tài liệu làm căn cứ (số, ngày văn bản hoặc đề nghị).`,
        detail_en: `Termination on ground (${ground}) of Art. 16.1 must cite its evidence (the document's number and date, or the request).`,
      });
    }
    if (ground === 'b') {
      throw new Problem(PROBLEMS.unprocessable, {
        rule: 'R-16.1',
        detail: 'Chỉ chấm dứt theo điểm b khi dịch vụ đang tạm ngừng do sự cố bất khả kháng mà không thể khôi phục.',
        detail_en: 'Ground (b) applies only while the service is stopped by force majeure and cannot be restored.',
      });
    }
    const [detail, detail_en] = {
      remedied: [
        'Bên khai thác đã khắc phục vi phạm (chờ khôi phục kết nối): không chấm dứt theo điểm đ.',
        'The consumer has remedied the violation (awaiting restoration): ground (đ) does not apply.',
      ],
      not_received: [
        'Bên khai thác chưa nhận được thông báo tạm ngừng (chưa đọc trong hộp thư, chưa nhận qua địa chỉ nhận thông báo tự động): thời hạn 30 ngày chưa bắt đầu.',
        'The consumer has not received the suspension notice (not read in its inbox, not delivered by webhook): the 30 days have not started.',
      ],
      running: [
        `Chỉ chấm dứt theo điểm đ khi bên khai thác không khắc phục vi phạm trong 30 ngày kể từ khi nhận được thông báo: sớm nhất từ ngày ${g.eligible_from ? formatIsoDate(g.eligible_from) : ''} (${VIETNAM_TODAY.vi(today)}).`,
        `Ground (đ) applies 30 days after the consumer received the notice, unremedied: from ${g.eligible_from} (${VIETNAM_TODAY.en(today)}).`,
      ],
      none: [
        'Chỉ chấm dứt theo điểm đ khi đã thông báo tạm ngừng do vi phạm (Điều 15 khoản 2) mà bên khai thác không khắc phục trong 30 ngày kể từ khi nhận được thông báo.',
        'Ground (đ) needs an Art. 15.2 suspension notice the consumer received at least 30 days ago and has not remedied.',
      ],
    }[g.remedy_status === 'remedied' || g.remedy_status === 'not_received' || g.remedy_status === 'running' ? g.remedy_status : 'none'];
    throw new Problem(PROBLEMS.unprocessable, {
      rule: 'R-16.1',
      detail,
      detail_en,
      extra: {
        eligible_from: g.eligible_from ?? null,
        received_at: g.received_at ?? null,
        remedy_status: g.remedy_status ?? null,
        deadline_basis: DEADLINE_BASIS.remedy,
      },
    });
  }

  /** terminate (final) and tell the consumer and the related agencies. */
  async function terminate(p: Principal, agreementId: string, ground: TerminationGround, reason: string, evidence?: string) {
    const e = await eligibility(p, agreementId);
    const g = e.grounds.find((x) => x.ground === ground)!;
    if ((g.evidence_required && !evidence?.trim()) || !g.eligible) refuse(ground, g, e.today);
    const now = clock.now();
    const [vi, en] = GROUND_TEXT[ground];
    const out = await db.transaction(async (tx: Queryable) => {
      const basis = evidence?.trim() || g.rests_on;
      const a = await deps.agreements.service.lifecycle(tx, p, agreementId, 'terminate', reason, { ground, evidence: basis });
      for (const agency of new Set([a.consumer_code, a.custodian_code, COORDINATOR_AGENCY])) {
        await deps.notifications.notify(tx, {
          agency,
          kind: 'agreement.terminated',
          ref_type: 'agreement',
          ref_id: a.id,
          subject_vi: `Chấm dứt kết nối, chia sẻ dữ liệu "${a.dataset_code}" với hệ thống ${a.system_code} — căn cứ điểm ${ground} khoản 1 Điều 16`,
          subject_en: `Sharing of "${a.dataset_code}" with ${a.system_code} terminated — Art. 16.1(${ground})`,
          payload: { ground, ground_vi: vi, ground_en: en, evidence: basis, reason, terminated_at: formatVietnamTime(now) },
        });
      }
      await recordEvent(tx, {
        custodian: a.custodian_code,
        entity: 'agreement',
        id: a.id,
        action: 'terminate',
        actor: p,
        at: now,
        reason,
        details: { ground, evidence: basis },
      });
      return { agreement_id: a.id, status: a.status, ground, evidence: basis, reason, terminated_at: now };
    });
    deps.agreements.invalidate(); // this instance's decisions see it at once; others within a second
    return out;
  }

  return { eligibility, terminate };
}
