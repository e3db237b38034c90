import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { principalOf } from '../http/context.ts';
import { BearerSecurity, NullableString, Pagination, QueryString, Timestamp, VietnamDate, errors, pageOf } from '../http/schemas.ts';
import { GROUP_NAMES, type Group } from './query.ts';
import type { Reports } from './service.ts';

const security = BearerSecurity;
const tags = ['reports'];
const Code = (what: string) => Type.String({ maxLength: 64, pattern: '^[A-Za-z0-9._-]+$', description: what });

const FigureRow = Type.Object({
  group: Type.Record(Type.String(), Type.Union([Type.String(), Type.Integer()]), {
    description: 'The values grouped by (day YYYY-MM-DD in Viet Nam; "" = none: an unidentified caller, no dataset, no rule)',
  }),
  exchanges: Type.Integer(),
  bytes: Type.Integer({ description: 'Bytes delivered, as logged (entries from before the log stated them count 0)' }),
  latency: Type.Object({
    sum_ms: Type.Integer(),
    count: Type.Integer(),
    mean_ms: Type.Union([Type.Integer(), Type.Null()]),
    p50_ms: Type.Union([Type.Integer(), Type.Null()], { description: 'Upper bound of the histogram bucket holding the median; null beyond the last bound' }),
    p95_ms: Type.Union([Type.Integer(), Type.Null()]),
    buckets: Type.Array(Type.Integer(), { description: 'Exchanges at or under 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000 ms, and over' }),
  }),
});
const AsOf = Type.Object({
  log: Type.String(),
  position: Type.Integer({ description: 'Entries [0, position) of the log are counted' }),
  checkpoint_size: Type.Integer({ description: 'The signed checkpoint of this size covers exactly the entries counted' }),
  counted_at: Timestamp,
});
const Figures = Type.Object({ as_of: Type.Array(AsOf), group_by: Type.Array(Type.String()), rows: Type.Array(FigureRow) });

const Key = Type.Object({
  day: Type.String(),
  consumer_agency: Type.String(),
  consumer_system: Type.String(),
  dataset_code: Type.String(),
  form: Type.String(),
  status: Type.Integer(),
  rule: Type.String(),
});
const Verification = Type.Object({
  log: Type.String(),
  position: Type.Integer(),
  ok: Type.Boolean(),
  entries_recounted: Type.Integer(),
  archived: Type.Integer(),
  differences: Type.Array(Type.Object({ key: Key, measure: Type.String(), stored: Type.Number(), recounted: Type.Number() })),
  rollup_differences: Type.Array(
    Type.Object({
      table: Type.String(),
      key: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()])),
      measure: Type.String(),
      stored: Type.Number(),
      recounted: Type.Number(),
    }),
  ),
});

const Evidence = Type.Object({ label_vi: Type.String(), label_en: Type.String(), href: Type.String() });
const FindingStatus = Type.Union([Type.Literal('open'), Type.Literal('acknowledged'), Type.Literal('resolved')]);
const Finding = Type.Object({
  id: Type.String(),
  rule: Type.String(),
  severity: Type.Union([Type.Literal('low'), Type.Literal('medium'), Type.Literal('high')]),
  owner_agency: Type.String(),
  subject_type: Type.String(),
  subject_id: Type.String(),
  summary_vi: Type.String(),
  summary_en: Type.String(),
  evidence: Type.Array(Evidence),
  status: FindingStatus,
  opened_at: Timestamp,
  acknowledged_by: NullableString(),
  acknowledged_at: Type.Union([Timestamp, Type.Null()]),
  acknowledge_note: NullableString(),
  closed_at: Type.Union([Timestamp, Type.Null()]),
  closed_by: NullableString(),
  close_reason: NullableString(),
  closed_automatically: Type.Union([Type.Boolean(), Type.Null()]),
  version: Type.Integer(),
});
const RunResult = Type.Object({
  opened: Type.Integer(),
  closed: Type.Integer(),
  open_now: Type.Integer(),
  by_rule: Type.Array(
    Type.Object({
      rule: Type.String(),
      subject_type: Type.Union([Type.String(), Type.Null()]),
      found: Type.Integer(),
      opened: Type.Integer(),
      closed: Type.Integer(),
    }),
  ),
});
const Rule = Type.Object({ id: Type.String(), title_vi: Type.String(), title_en: Type.String() });
const IdParam = Type.Object({ id: Type.String({ maxLength: 64 }) });
const Reason = (required: boolean) => {
  const text = Type.String({ minLength: 1, maxLength: 2000 });
  return Type.Object(required ? { reason: text } : { reason: Type.Optional(text) }, { additionalProperties: false });
};

/** `group_by=day,dataset`: a comma-separated list of GROUP_NAMES. */
const GroupBy = Type.String({
  pattern: `^(${GROUP_NAMES.join('|')})(,(${GROUP_NAMES.join('|')}))*$`,
  maxLength: 200,
  description: `Comma-separated: ${GROUP_NAMES.join(', ')}`,
});

export function reportRoutes(reports: Reports) {
  return async function routes(base: FastifyInstance): Promise<void> {
    const app = base.withTypeProvider<TypeBoxTypeProvider>();

    app.get(
      '/reports/figures',
      {
        schema: {
          tags,
          security,
          summary:
            'Số liệu chia sẻ từ nhật ký / Sharing figures counted from the logs (custodian: its log; consumer agency: its consumption; coordinator, auditor: all)',
          querystring: QueryString({
            custodian: Type.Optional(Code('Cơ quan chủ quản / custodian (the log)')),
            consumer: Type.Optional(Code('Cơ quan khai thác / consumer agency')),
            dataset: Type.Optional(Code('Bộ dữ liệu / dataset')),
            from: Type.Optional(VietnamDate('Từ ngày / from (inclusive)')),
            to: Type.Optional(VietnamDate('Đến ngày / to (inclusive)')),
            group_by: Type.Optional(GroupBy),
          }),
          response: { 200: Figures, ...errors(400, 401) },
        },
      },
      async (req) => {
        const { group_by, ...rest } = req.query;
        return reports.figures(principalOf(req), { ...rest, group_by: (group_by ? group_by.split(',') : []) as Group[] });
      },
    );

    app.get(
      '/reports/figures/:custodian/verify',
      {
        schema: {
          tags,
          security,
          summary:
            "Kiểm đếm lại số liệu từ nhật ký / Recount a log's figures from its entries and name every difference (custodian of the log, coordinator, auditor)",
          params: Type.Object({ custodian: Code('Cơ quan chủ quản / custodian') }),
          response: { 200: Verification, ...errors(401, 404) },
        },
      },
      async (req) => reports.verifyAs(principalOf(req), req.params.custodian),
    );

    app.get(
      '/reports/findings',
      {
        schema: {
          tags,
          security,
          summary: 'Phát hiện kiểm tra tuân thủ / Compliance findings (owner agency: its own; coordinator, auditor: all)',
          querystring: QueryString({
            status: Type.Optional(FindingStatus),
            rule: Type.Optional(Type.String({ maxLength: 32 })),
            owner: Type.Optional(Code('Cơ quan liên quan / owner agency')),
            ...Pagination,
          }),
          response: { 200: pageOf(Finding), ...errors(400, 401) },
        },
      },
      async (req) => reports.findings.list(principalOf(req), req.query),
    );

    app.get(
      '/reports/findings/rules',
      {
        schema: { tags, security, summary: 'Các quy tắc kiểm tra / The compliance rules checked', response: { 200: Type.Array(Rule), ...errors(401) } },
      },
      async () => reports.findings.rules.map((r) => ({ id: r.id, title_vi: r.title_vi, title_en: r.title_en })),
    );

    app.post(
      '/reports/findings/run',
      {
        schema: {
          tags,
          security,
          summary: 'Chạy kiểm tra ngay / Run the compliance checks now (coordinator)',
          response: { 200: RunResult, ...errors(401, 403) },
        },
      },
      async (req) => reports.findings.runAs(principalOf(req)),
    );

    app.get(
      '/reports/findings/:id',
      {
        schema: { tags, security, summary: 'Một phát hiện / One finding', params: IdParam, response: { 200: Finding, ...errors(401, 404) } },
      },
      async (req) => reports.findings.get(principalOf(req), req.params.id),
    );

    app.post(
      '/reports/findings/:id/acknowledge',
      {
        schema: {
          tags,
          security,
          summary: 'Ghi nhận phát hiện / Acknowledge a finding (owner agency administrator, coordinator)',
          params: IdParam,
          body: Reason(false),
          response: { 200: Finding, ...errors(400, 401, 403, 404, 409) },
        },
      },
      async (req) => reports.findings.acknowledge(principalOf(req), req.params.id, req.body.reason),
    );

    app.post(
      '/reports/findings/:id/resolve',
      {
        schema: {
          tags,
          security,
          summary: 'Đóng phát hiện, nêu lý do / Resolve a finding, saying why (owner agency administrator, coordinator)',
          params: IdParam,
          body: Reason(true),
          response: { 200: Finding, ...errors(400, 401, 403, 404, 409) },
        },
      },
      async (req) => reports.findings.resolve(principalOf(req), req.params.id, req.body.reason),
    );
  };
}
