import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { principalOf } from '../http/context.ts';
import { BearerSecurity, HistoryEntry, NullableString, VIETNAM_DATE_RULE, VietnamDate, VietnamDateOut, errors } from '../http/schemas.ts';
import type { Calendar } from './index.ts';

const tags = ['calendar'];
const DateParam = Type.Object({ date: Type.String({ maxLength: 10, description: `Ngày / The day. ${VIETNAM_DATE_RULE}` }) });

const Day = Type.Object({
  date: VietnamDateOut('Ngày / The day'),
  working: Type.Boolean(),
  reason: Type.String({ description: 'Lý do (tiếng Việt): "Thứ Bảy", "Tết Nguyên Đán (mùng 1)", "Nghỉ bù (…)", "Làm bù cho …", "Ngày làm việc"' }),
  reason_en: Type.String(),
  kind: Type.Union([Type.Literal('workday'), Type.Literal('weekend'), Type.Literal('holiday'), Type.Literal('compensatory'), Type.Literal('day_off'), Type.Literal('makeup')]),
  legal_basis: NullableString(),
  override: Type.Boolean({ description: 'Theo thông báo của Chính phủ do điều phối viên nhập / decided by an operator override' }),
});

const DayBody = Type.Object({
  working: Type.Boolean(),
  reason_vi: Type.String({ minLength: 1, maxLength: 300 }),
  reason_en: Type.String({ minLength: 1, maxLength: 300 }),
  legal_basis: Type.String({ minLength: 1, maxLength: 500, description: 'Văn bản: "Thông báo số …/TB-… ngày …"' }),
  reason: Type.Optional(Type.String({ maxLength: 1000, description: 'Lý do sửa, ghi vào lịch sử / why, kept in the history' })),
}, { additionalProperties: false });

/** Working-day calendar: public reads, coordinator edits, deadlines of. */
export function calendarRoutes(calendar: Calendar) {
  return async function routes(base: FastifyInstance): Promise<void> {
    const app = base.withTypeProvider<TypeBoxTypeProvider>();

    app.get('/calendar', {
      schema: {
        tags, summary: 'Lịch ngày làm việc / Working-day calendar (no sign-in; at most 3 years)',
        querystring: Type.Object({ from: VietnamDate('Ngày đầu / First day'), to: VietnamDate('Ngày cuối (tính cả ngày này) / Last day (included)') }, { additionalProperties: false }),
        response: { 200: Type.Object({ from: Type.String(), to: Type.String(), working_days: Type.Integer(), days: Type.Array(Day) }), ...errors(400) },
      },
    }, async (req) => {
      const days = await calendar.days(req.query.from, req.query.to);
      return { from: req.query.from, to: req.query.to, working_days: days.filter((d) => d.working).length, days };
    });

    app.get('/calendar/days/:date', {
      schema: { tags, summary: 'Một ngày / One day', params: DateParam, response: { 200: Day, ...errors(400) } },
    }, async (req) => calendar.day(req.params.date));

    app.put('/calendar/days/:date', {
      schema: {
        tags, summary: 'Ghi thông báo nghỉ, hoán đổi, làm bù cho một ngày / Record a day off or a make-up working day (coordinator)', security: BearerSecurity,
        params: DateParam, body: DayBody, response: { 200: Day, ...errors(400, 401, 403) },
      },
    }, async (req) => {
      const { reason, ...input } = req.body;
      return calendar.setDay(principalOf(req), req.params.date, input, reason);
    });

    app.delete('/calendar/days/:date', {
      schema: {
        tags, summary: 'Rút điều chỉnh, trở về lịch mặc định (không xoá lịch sử) / Withdraw an override (coordinator; audited, nothing deleted)', security: BearerSecurity,
        params: DateParam, querystring: Type.Object({ reason: Type.Optional(Type.String({ maxLength: 1000 })) }, { additionalProperties: false }),
        response: { 200: Day, ...errors(400, 401, 403, 404) },
      },
    }, async (req) => calendar.clearDay(principalOf(req), req.params.date, req.query.reason));

    app.get('/calendar/days/:date/history', {
      schema: { tags, summary: 'Lịch sử điều chỉnh của một ngày / Change history of a day', security: BearerSecurity, params: DateParam, response: { 200: Type.Array(HistoryEntry), ...errors(400, 401) } },
    }, async (req) => {
      principalOf(req);
      return calendar.history(req.params.date);
    });
  };
}
