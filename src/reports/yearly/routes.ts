import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { principalOf } from '../../http/context.ts';
import { NullableString, SessionSecurity, Timestamp, VietnamDateOut, errors } from '../../http/schemas.ts';
import type { YearlyReports } from './service.ts';
import type { Format } from './types.ts';

const security = SessionSecurity;
const tags = ['reports'];
const Code = (what: string) => Type.String({ maxLength: 64, pattern: '^[A-Za-z0-9._-]+$', description: what });
const Year = Type.Integer({ minimum: 2000, maximum: 2200, description: 'Năm báo cáo / the report year' });
const FormatParam = Type.Union([Type.Literal('xlsx'), Type.Literal('pdf')], { description: 'xlsx | pdf' });
const MEDIA: Record<Format, string> = {
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pdf: 'application/pdf',
};
const File = (what: string) => ({
  description: what,
  content: {
    [MEDIA.pdf]: { schema: { type: 'string', format: 'binary' } },
    [MEDIA.xlsx]: { schema: { type: 'string', format: 'binary' } },
  },
});

const Measure = { exchanges: Type.Integer(), bytes: Type.Integer(), refused: Type.Integer() };
const Basis = Type.Object({
  log: Type.String(),
  position: Type.Integer({ description: 'Entries [0, position) of the log are counted: the size of a signed checkpoint' }),
  counted_at: Type.Union([Type.String(), Type.Null()]),
});
const AgreementLine = Type.Object({
  id: Type.String(),
  dataset: Type.String(),
  consumer: Type.String(),
  system: Type.String(),
  status: Type.String(),
  valid_from: Type.String(),
  valid_to: Type.String(),
});
const Content = Type.Object({
  custodian: Type.Object({ code: Type.String(), name_vi: Type.String(), name_en: Type.String() }),
  year: Type.Integer(),
  period: Type.Object({ from: Type.String(), to: Type.String() }),
  generated_at: Type.String(),
  basis: Basis,
  totals: Type.Object(Measure),
  by_month: Type.Array(Type.Object({ month: Type.Integer(), ...Measure })),
  by_dataset: Type.Array(Type.Object({ dataset: Type.String(), ...Measure })),
  by_consumer: Type.Array(Type.Object({ consumer_agency: Type.String(), consumer_system: Type.String(), ...Measure })),
  by_form: Type.Array(Type.Object({ form: Type.String(), ...Measure })),
  by_status: Type.Array(Type.Object({ status: Type.Integer(), ...Measure })),
  datasets: Type.Array(
    Type.Object({
      code: Type.String(),
      name_vi: Type.String(),
      status: Type.String(),
      classification: Type.String(),
      mode: Type.String(),
      fields: Type.Integer(),
      frequency: Type.String(),
      format: Type.String(),
      spec_complete: Type.Boolean(),
      last_reviewed_on: NullableString(),
    }),
  ),
  agreements: Type.Object({ opened: Type.Array(AgreementLine), closed: Type.Array(AgreementLine) }),
  lifecycle: Type.Array(Type.Object({ entity: Type.String(), action: Type.String(), count: Type.Integer() })),
  incidents: Type.Array(Type.Object({ at: Type.String(), entity: Type.String(), action: Type.String(), reason: NullableString() })),
  quality: Type.Array(
    Type.Object({
      dataset: Type.String(),
      live: Type.Integer(),
      completeness: Type.Union([Type.Number(), Type.Null()]),
      validity: Type.Union([Type.Number(), Type.Null()]),
      fresh: Type.Union([Type.Boolean(), Type.Null()]),
    }),
  ),
  findings: Type.Array(
    Type.Object({
      rule: Type.String(),
      severity: Type.String(),
      status: Type.String(),
      subject: Type.String(),
      summary_vi: Type.String(),
      summary_en: Type.String(),
      opened_at: Type.String(),
    }),
  ),
});
const SubmissionFields = {
  id: Type.String(),
  custodian_code: Type.String(),
  year: Type.Integer(),
  version: Type.Integer(),
  document_number: Type.String(),
  submitted_by: Type.String(),
  submitted_at: Timestamp,
  reason: NullableString(),
  late: Type.Boolean({ description: 'Submitted after 25/12 of the year (Viet Nam date)' }),
  signer_name: Type.String(),
  signer_title: Type.String(),
  xlsx_sha256: Type.String(),
  pdf_sha256: Type.String(),
  log_entry_id: Type.String({ description: "The custodian's sharing-log entry recording the submission" }),
  log_leaf_hash: Type.String(),
};
const Submission = Type.Object({ ...SubmissionFields, basis: Basis });
const Preview = Type.Object({
  content: Content,
  deadline: VietnamDateOut('Hạn nộp / deadline (25/12)'),
  reminder_on: VietnamDateOut('Ngày nhắc / the day the reminder is due'),
  submissions: Type.Array(Submission),
});
const OverviewRow = Type.Object({
  custodian_code: Type.String(),
  name_vi: Type.String(),
  name_en: Type.String(),
  status: Type.Union([Type.Literal('submitted'), Type.Literal('submitted_late'), Type.Literal('pending'), Type.Literal('overdue')]),
  versions: Type.Integer(),
  latest: Type.Union([Type.Object(SubmissionFields), Type.Null()]),
  reminded_at: Type.Union([Timestamp, Type.Null()]),
  flagged_late_at: Type.Union([Timestamp, Type.Null()]),
});
const Overview = Type.Object({
  year: Type.Integer(),
  deadline: VietnamDateOut('Hạn nộp / deadline'),
  reminder_on: VietnamDateOut('Ngày nhắc / reminder day'),
  custodians: Type.Array(OverviewRow),
});
const SubmitBody = Type.Object(
  {
    signer_title: Type.String({ minLength: 1, maxLength: 200, description: 'Chức vụ người ký / the signer’s position' }),
    document_number: Type.Optional(Type.String({ minLength: 1, maxLength: 32, description: 'Số văn bản / document number (default: the version)' })),
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 2000, description: 'Lý do đính chính / why a new version (required from version 2)' })),
  },
  { additionalProperties: false },
);
const YearParams = Type.Object({ year: Year });
const CustodianParams = Type.Object({ year: Year, custodian: Code('Cơ quan chủ quản / custodian') });

const attachment = (name: string) => `attachment; filename="${name}"`;

/** The yearly report's routes, under /api/v1/reports/yearly. */
export function yearlyRoutes(yearly: YearlyReports) {
  return async function routes(base: FastifyInstance): Promise<void> {
    const app = base.withTypeProvider<TypeBoxTypeProvider>();

    app.get(
      '/reports/yearly/:year/custodians/:custodian',
      {
        schema: {
          tags,
          security,
          summary: 'Xem trước báo cáo năm / Preview a custodian’s yearly report: its figures with their basis, the deadline, the versions submitted (R-18.1)',
          params: CustodianParams,
          response: { 200: Preview, ...errors(400, 401, 404) },
        },
      },
      async (req) => yearly.preview(principalOf(req), req.params.custodian, req.params.year),
    );

    app.get(
      '/reports/yearly/:year/custodians/:custodian/draft/:format',
      {
        schema: {
          tags,
          security,
          summary: 'Tải bản dự thảo / Download the draft report (not submitted; its number left blank) as XLSX or PDF',
          params: Type.Object({ year: Year, custodian: Code('Cơ quan chủ quản / custodian'), format: FormatParam }),
          response: { 200: File('the draft report'), ...errors(400, 401, 404) },
        },
      },
      async (req, reply) => {
        const { year, custodian, format } = req.params;
        const body = await yearly.draft(principalOf(req), custodian, year, format);
        return reply.type(MEDIA[format]).header('content-disposition', attachment(`bao-cao-${custodian.toLowerCase()}-${year}-du-thao.${format}`)).send(body);
      },
    );

    app.post(
      '/reports/yearly/:year/custodians/:custodian/submissions',
      {
        schema: {
          tags,
          security,
          summary:
            'Nộp báo cáo năm cho Văn phòng Trung ương Đảng / Submit the yearly report (custodian administrator; a new version is a correction with a reason; R-18.1)',
          params: CustodianParams,
          body: SubmitBody,
          response: { 201: Submission, ...errors(400, 401, 403, 404, 409, 422) },
        },
      },
      async (req, reply) => {
        const s = await yearly.submit(principalOf(req), req.params.custodian, req.params.year, req.body);
        return reply.code(201).send(s);
      },
    );

    app.get(
      '/reports/yearly/:year/custodians/:custodian/submissions',
      {
        schema: {
          tags,
          security,
          summary: 'Các phiên bản đã nộp / The versions submitted',
          params: CustodianParams,
          response: { 200: Type.Array(Submission), ...errors(400, 401, 404) },
        },
      },
      async (req) => yearly.submissions(principalOf(req), req.params.custodian, req.params.year),
    );

    app.get(
      '/reports/yearly/submissions/:id/:format',
      {
        schema: {
          tags,
          security,
          summary: 'Tải bản đã nộp / Download a submitted version, exactly as submitted (its SHA-256 is the recorded one)',
          params: Type.Object({ id: Type.String({ maxLength: 64 }), format: FormatParam }),
          response: { 200: File('the submitted report'), ...errors(401, 404) },
        },
      },
      async (req, reply) => {
        const { body, submission: s } = await yearly.submittedFile(principalOf(req), req.params.id, req.params.format);
        const name = `bao-cao-${s.custodian_code.toLowerCase()}-${s.year}-v${s.version}.${req.params.format}`;
        return reply.type(MEDIA[req.params.format]).header('content-disposition', attachment(name)).header('x-content-sha256', s[`${req.params.format}_sha256`]).send(body);
      },
    );

    app.get(
      '/reports/yearly/:year/overview',
      {
        schema: {
          tags,
          security,
          summary: 'Tình hình nộp báo cáo năm / Who has submitted, late, pending, overdue (Central Party Office; R-18.1)',
          params: YearParams,
          response: { 200: Overview, ...errors(400, 401, 403) },
        },
      },
      async (req) => yearly.overview(principalOf(req), req.params.year),
    );

    app.get(
      '/reports/yearly/:year/aggregated/:format',
      {
        schema: {
          tags,
          security,
          summary: 'Báo cáo tổng hợp cho Ban Bí thư / The aggregated report over the submitted ones, as XLSX or PDF (Central Party Office; R-18.1)',
          params: Type.Object({ year: Year, format: FormatParam }),
          response: { 200: File('the aggregated report'), ...errors(400, 401, 403) },
        },
      },
      async (req, reply) => {
        const { year, format } = req.params;
        const body = await yearly.aggregated(principalOf(req), year, format);
        return reply.type(MEDIA[format]).header('content-disposition', attachment(`bao-cao-tong-hop-${year}.${format}`)).send(body);
      },
    );
  };
}
