import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { principalOf } from '../http/context.ts';
import { BearerSecurity, HistoryEntry, NullableString, VIETNAM_DATE_RULE, VietnamDate, VietnamDateOut, errors } from '../http/schemas.ts';
import type { Calendar } from './index.ts';

const tags = ['calendar'];
const DateParam = Type.Object({ date: Type.String({ maxLength: 10, description: `Ngày / The day. ${VIETNAM_DATE_RULE}` }) });

/** the official text that decides a day. */
const Source = Type.Object(
  {
    document: Type.String({ description: 'Số hiệu, tên văn bản / Document number and title, e.g. "Thông báo số 9441/TB-BNV …"' }),
    issuer: Type.String({ description: 'Cơ quan ban hành / Issuer, e.g. "Bộ Nội vụ"' }),
    date: VietnamDateOut('Ngày ban hành / Date of the document'),
    url: NullableString(),
  },
  { description: 'Văn bản quyết định ngày này / The official text deciding this day' },
);

const SourceIn = Type.Object(
  {
    document: Type.String({ minLength: 1, maxLength: 200, description: 'Số hiệu, tên văn bản / Document number and title' }),
    issuer: Type.String({ minLength: 1, maxLength: 200, description: 'Cơ quan ban hành / Issuer' }),
    date: VietnamDate('Ngày ban hành / Date of the document'),
    url: Type.Optional(Type.Union([Type.String({ format: 'uri', maxLength: 500 }), Type.Null()])),
  },
  { additionalProperties: false },
);

const Basis = {
  depends_on_computed_days: Type.Boolean({
    description: 'Thời hạn phụ thuộc ngày tính toán, chưa có thông báo / The deadline rests on a computed, not announced, day',
  }),
  computed_days: Type.Array(Type.String(), { description: 'Ngày nghỉ trong thời hạn chưa có văn bản / Days off in the period no text announced' }),
  unannounced_years: Type.Array(Type.Integer(), { description: 'Năm chưa có thông báo của Chính phủ / Years with no Government announcement recorded' }),
};

const Day = Type.Object({
  date: VietnamDateOut('Ngày / The day'),
  working: Type.Boolean(),
  reason: Type.String({ description: 'Lý do (tiếng Việt): "Thứ Bảy", "Tết Nguyên Đán (mùng 1)", "Nghỉ bù (…)", "Làm bù cho …", "Ngày làm việc"' }),
  reason_en: Type.String(),
  kind: Type.Union([
    Type.Literal('workday'),
    Type.Literal('weekend'),
    Type.Literal('holiday'),
    Type.Literal('compensatory'),
    Type.Literal('day_off'),
    Type.Literal('makeup'),
  ]),
  legal_basis: NullableString(),
  override: Type.Boolean({ description: 'Theo thông báo của Chính phủ do điều phối viên nhập / decided by an operator override' }),
  status: Type.Union([Type.Literal('announced'), Type.Literal('computed')], {
    description:
      'announced: theo văn bản chính thức / per an official text; computed: tính theo Điều 112 Bộ luật Lao động, chưa có thông báo / computed from Labour Code Art. 112, not announced',
  }),
  source: Type.Union([Source, Type.Null()]),
  status_note: NullableString(),
  status_note_en: NullableString(),
});

const Deadline = Type.Object({
  from: VietnamDateOut('Ngày bắt đầu (không tính) / Start day (not counted)'),
  n: Type.Integer(),
  unit: Type.Union([Type.Literal('working_days'), Type.Literal('days')]),
  date: VietnamDateOut('Ngày cuối của thời hạn / Last day of the period'),
  legal_basis: Type.String(),
  ...Basis,
});

const DayBody = Type.Object(
  {
    working: Type.Boolean(),
    reason_vi: Type.String({ minLength: 1, maxLength: 300 }),
    reason_en: Type.String({ minLength: 1, maxLength: 300 }),
    legal_basis: Type.String({ minLength: 1, maxLength: 500, description: 'Căn cứ: "Thông báo số …/TB-… ngày …"' }),
    source: SourceIn,
    reason: Type.Optional(Type.String({ maxLength: 1000, description: 'Lý do sửa, ghi vào lịch sử / why, kept in the history' })),
  },
  { additionalProperties: false },
);

/** Working-day calendar: public reads, coordinator edits, deadlines of. */
export function calendarRoutes(calendar: Calendar) {
  return async function routes(base: FastifyInstance): Promise<void> {
    const app = base.withTypeProvider<TypeBoxTypeProvider>();

    app.get(
      '/calendar',
      {
        schema: {
          tags,
          summary: 'Lịch ngày làm việc / Working-day calendar (no sign-in; at most 3 years)',
          querystring: Type.Object(
            { from: VietnamDate('Ngày đầu / First day'), to: VietnamDate('Ngày cuối (tính cả ngày này) / Last day (included)') },
            { additionalProperties: false },
          ),
          response: { 200: Type.Object({ from: Type.String(), to: Type.String(), working_days: Type.Integer(), days: Type.Array(Day) }), ...errors(400) },
        },
      },
      async (req) => {
        const days = await calendar.days(req.query.from, req.query.to);
        return { from: req.query.from, to: req.query.to, working_days: days.filter((d) => d.working).length, days };
      },
    );

    app.get(
      '/calendar/deadline',
      {
        schema: {
          tags,
          summary:
            'Tính thời hạn theo Bộ luật Dân sự 2015 Điều 147–148, nêu ngày tính toán nếu có / A deadline (Civil Code Art. 147–148), saying whether it rests on computed days',
          querystring: Type.Object(
            {
              from: VietnamDate('Ngày bắt đầu (không tính) / Start day (not counted)'),
              n: Type.Integer({ minimum: -3660, maximum: 3660 }),
              unit: Type.Optional(Type.Union([Type.Literal('working_days'), Type.Literal('days')], { default: 'working_days' })),
            },
            { additionalProperties: false },
          ),
          response: { 200: Deadline, ...errors(400, 422) },
        },
      },
      async (req) => (req.query.unit === 'days' ? calendar.dayDeadline(req.query.from, req.query.n) : calendar.workingDeadline(req.query.from, req.query.n)),
    );

    app.get(
      '/calendar/days/:date',
      {
        schema: { tags, summary: 'Một ngày / One day', params: DateParam, response: { 200: Day, ...errors(400) } },
      },
      async (req) => calendar.day(req.params.date),
    );

    app.put(
      '/calendar/days/:date',
      {
        schema: {
          tags,
          summary: 'Ghi thông báo nghỉ, hoán đổi, làm bù cho một ngày / Record a day off or a make-up working day (coordinator)',
          security: BearerSecurity,
          params: DateParam,
          body: DayBody,
          response: { 200: Day, ...errors(400, 401, 403) },
        },
      },
      async (req) => {
        const { reason, source, ...input } = req.body;
        return calendar.setDay(principalOf(req), req.params.date, { ...input, source: { ...source, url: source.url ?? null } }, reason);
      },
    );

    app.delete(
      '/calendar/days/:date',
      {
        schema: {
          tags,
          summary: 'Rút điều chỉnh, trở về lịch mặc định (không xoá lịch sử) / Withdraw an override (coordinator; audited, nothing deleted)',
          security: BearerSecurity,
          params: DateParam,
          querystring: Type.Object({ reason: Type.Optional(Type.String({ maxLength: 1000 })) }, { additionalProperties: false }),
          response: { 200: Day, ...errors(400, 401, 403, 404) },
        },
      },
      async (req) => calendar.clearDay(principalOf(req), req.params.date, req.query.reason),
    );

    app.get(
      '/calendar/days/:date/history',
      {
        schema: {
          tags,
          summary: 'Lịch sử điều chỉnh của một ngày / Change history of a day',
          security: BearerSecurity,
          params: DateParam,
          response: { 200: Type.Array(HistoryEntry), ...errors(400, 401) },
        },
      },
      async (req) => {
        principalOf(req);
        return calendar.history(req.params.date);
      },
    );
  };
}
