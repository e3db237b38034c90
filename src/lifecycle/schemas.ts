import { Type } from 'typebox';
import { NullableString, Timestamp, VIETNAM_DATE_RULE, VietnamDateOut } from '../http/schemas.ts';
import { GROUNDS } from './consumer-suspensions.ts';
import { NOTICE_KINDS } from './notices.ts';
import { TERMINATION_GROUNDS } from './termination.ts';

/** The lifecycle's response shapes: the OpenAPI document, the console's types, and the serializer. */
export const enumOf = (values: readonly string[]) => Type.Unsafe<string>({ type: 'string', enum: [...values] });
const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);

const DeadlineBasis = Type.Object(
  {
    requirement: Type.String({ description: 'Requirement id, e.g. R-15.5' }),
    clause: Type.String({ description: 'Điều, khoản áp dụng / The clauses applied (the Regulation; the Civil Code for periods in days)' }),
    text_vi: Type.String(),
    text_en: Type.String(),
  },
  { description: 'Căn cứ tính thời hạn / The rule a computed deadline applied' },
);

export const Notice = Type.Object({
  id: Type.String(),
  reference: Type.String(),
  custodian_code: Type.String(),
  dataset_code: NullableString(),
  kind: enumOf(NOTICE_KINDS),
  title_vi: Type.String(),
  title_en: Type.String(),
  body_vi: Type.String(),
  body_en: Type.String(),
  corrects: NullableString(),
  published_at: Timestamp,
  published_by: Type.String(),
});

export const ServiceSuspension = Type.Object({
  id: Type.String(),
  kind: enumOf(['planned', 'force_majeure']),
  dataset_code: Type.String(),
  custodian_code: Type.String(),
  reason: Type.String(),
  starts_at: Timestamp,
  expected_restore_at: NullableTimestamp,
  notice_due_at: Type.Union([Timestamp, Type.Null()], {
    description: 'R-15.4: 24 hours after a force-majeure stop; null for a planned one (its notice comes first)',
  }),
  notice_id: NullableString(),
  ended_at: NullableTimestamp,
  end_reason: NullableString(),
  created_by: Type.String(),
  created_at: Timestamp,
  version: Type.Integer(),
  notice: Type.Union([Notice, Type.Null()]),
  notice_overdue: Type.Boolean(),
  in_force: Type.Boolean(),
  deadline_basis: Type.Object({ notice_due_at: Type.Optional(DeadlineBasis) }),
});

/** the days off a deadline moved across that no official text announced yet. */
const CalendarDependence = Type.Object({
  depends_on_computed_days: Type.Boolean(),
  computed_days: Type.Array(Type.String({ description: VIETNAM_DATE_RULE })),
  unannounced_years: Type.Array(Type.Integer()),
});

export const PlannedStartWindow = Type.Object({
  today: VietnamDateOut('Hôm nay / Today'),
  last_notice_day: VietnamDateOut('Ngày làm việc thứ 7 sau hôm nay / The 7th working day after today'),
  earliest_start: VietnamDateOut('Ngày sớm nhất được tạm ngừng / The earliest start'),
  deadline_basis: DeadlineBasis,
  deadline_calendar: CalendarDependence,
});

export const ConsumerSuspension = Type.Object({
  id: Type.String(),
  reference: Type.String(),
  agreement_id: Type.String(),
  dataset_code: Type.String(),
  system_code: Type.String(),
  consumer_code: Type.String(),
  custodian_code: Type.String(),
  ground: enumOf(GROUNDS),
  violation: Type.String(),
  handling: Type.String(),
  requirements: Type.String(),
  found_at: Timestamp,
  notice_due_at: Timestamp,
  notified_at: Timestamp,
  restored_at: NullableTimestamp,
  restore_reason: NullableString(),
  remedied_at: NullableTimestamp,
  remedied_by: NullableString(),
  remedied_by_agency: NullableString(),
  remedy_evidence: NullableString(),
  created_by: Type.String(),
  created_at: Timestamp,
  version: Type.Integer(),
  notice_late: Type.Boolean({ description: 'R-15.5: notified after notice_due_at' }),
  received_at: Type.Union([Timestamp, Type.Null()], {
    description: 'R-16.1(đ): when the consumer first received the notice (read in its inbox, or delivered by webhook); null: not yet',
  }),
  termination_eligible_from: Type.Union([Type.String(), Type.Null()], {
    description: `R-16.1(đ): termination on ground (đ) possible from this date; null when not received, remedied or restored. ${VIETNAM_DATE_RULE}`,
  }),
  remedy_status: enumOf(['not_received', 'running', 'expired', 'remedied', 'restored']),
  deadline_basis: Type.Object({ notice_due_at: DeadlineBasis, termination_eligible_from: DeadlineBasis }),
  deadline_calendar: Type.Object({ notice_due_at: CalendarDependence, termination_eligible_from: Type.Union([CalendarDependence, Type.Null()]) }),
});

const Ground = Type.Object({
  ground: enumOf(TERMINATION_GROUNDS),
  label_vi: Type.String(),
  label_en: Type.String(),
  eligible: Type.Boolean(),
  rests_on: NullableString(),
  evidence_required: Type.Boolean(),
  eligible_from: Type.Optional(NullableString()),
  suspension: Type.Optional(NullableString()),
  received_at: Type.Optional(NullableTimestamp),
  remedied_at: Type.Optional(NullableTimestamp),
  remedy_status: Type.Optional(Type.Union([enumOf(['not_received', 'running', 'expired', 'remedied', 'restored']), Type.Null()])),
  deadline_basis: Type.Optional(DeadlineBasis),
});

export const Eligibility = Type.Object({
  agreement_id: Type.String(),
  status: Type.String(),
  today: VietnamDateOut('Hôm nay / Today'),
  grounds: Type.Array(Ground),
});

export const Termination = Type.Object({
  agreement_id: Type.String(),
  status: Type.String(),
  ground: enumOf(TERMINATION_GROUNDS),
  evidence: NullableString(),
  reason: Type.String(),
  terminated_at: Timestamp,
});

export const LifecycleEvent = Type.Object({
  id: Type.String(),
  custodian_code: Type.String(),
  entity: Type.String(),
  entity_id: Type.String(),
  action: Type.String(),
  actor: Type.String(),
  actor_agency: NullableString(),
  at: Timestamp,
  reason: NullableString(),
  details: Type.Record(Type.String(), Type.Unknown()),
});
