import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { notFound } from '../core/errors.ts';
import { principalOf } from '../http/context.ts';
import { BearerSecurity, NullableString, Pagination, QueryString, Timestamp, VietnamDate, errors, pageOf } from '../http/schemas.ts';
import { requireCoordinator, seesEverything } from '../registry/index.ts';
import { auditPdf } from './audits/pdf.ts';
import { auditWorkbook } from './audits/xlsx.ts';
import type { Reports } from './service.ts';

const security = BearerSecurity;
const tags = ['reports'];
const Code = (what: string) => Type.String({ maxLength: 64, pattern: '^[A-Za-z0-9._-]+$', description: what });

const Verification = Type.Object({
  id: Type.String(),
  log: Type.String(),
  verified_at: Timestamp,
  ok: Type.Boolean(),
  entries: Type.Integer(),
  checkpoints: Type.Integer(),
  divergence: Type.Union([Type.Object({ index: Type.Union([Type.Integer(), Type.Null()]), what: Type.String() }), Type.Null()]),
  verified_by: Type.String(),
  audit_id: NullableString(),
});
const Evidence = Type.Object({ label_vi: Type.String(), label_en: Type.String(), href: Type.String() });
const Problem = Type.Object({ code: Type.String(), vi: Type.String(), en: Type.String() });
const SampleItem = Type.Object({
  leaf_index: Type.Integer(),
  receipt_id: Type.String(),
  requested_at: Type.String(),
  consumer_agency: NullableString(),
  consumer_system: NullableString(),
  dataset: NullableString(),
  fields: Type.Array(Type.String()),
  agreement_ids: Type.Array(Type.String()),
  ok: Type.Boolean(),
  problems: Type.Array(Problem),
  evidence: Type.Array(Evidence),
});
const AuditResult = Type.Object({
  verification: Type.Intersect([Verification, Type.Object({ evidence: Type.Array(Evidence) })]),
  consistency: Type.Object({
    checked: Type.Boolean(),
    ok: Type.Union([Type.Boolean(), Type.Null()]),
    from_size: Type.Union([Type.Integer(), Type.Null()]),
    to_size: Type.Integer(),
    to_root_hash: NullableString(),
    detail_vi: Type.String(),
    detail_en: Type.String(),
    evidence: Type.Array(Evidence),
  }),
  population: Type.Object({
    entries: Type.Integer(),
    served: Type.Integer(),
    refused: Type.Integer(),
    first_index: Type.Union([Type.Integer(), Type.Null()]),
    last_index: Type.Union([Type.Integer(), Type.Null()]),
    evidence: Type.Array(Evidence),
  }),
  sample: Type.Object({ size: Type.Integer(), violations: Type.Integer(), items: Type.Array(SampleItem) }),
  quality: Type.Array(
    Type.Object({
      dataset: Type.String(),
      live_records: Type.Integer(),
      completeness: Type.Union([Type.Number(), Type.Null()]),
      validity: Type.Union([Type.Number(), Type.Null()]),
      fresh: Type.Union([Type.Boolean(), Type.Null()]),
      evidence: Type.Array(Evidence),
    }),
  ),
  findings: Type.Object({
    open: Type.Integer(),
    by_rule: Type.Array(Type.Object({ rule: Type.String(), count: Type.Integer(), ids: Type.Array(Type.String()) })),
    evidence: Type.Array(Evidence),
  }),
});
const SeenCheckpoint = Type.Object(
  {
    tree_size: Type.Integer({ minimum: 0 }),
    root_hash: Type.String({ pattern: '^[A-Za-z0-9+/]{43}=$', description: 'SHA-256 gốc cây, base64 / root hash, base64' }),
  },
  { additionalProperties: false },
);
const Audit = Type.Object({
  id: Type.String(),
  custodian_code: Type.String(),
  period_from: Type.String(),
  period_to: Type.String(),
  opened_by: Type.String(),
  opened_at: Timestamp,
  sample_size: Type.Integer(),
  seen_checkpoint: Type.Union([SeenCheckpoint, Type.Null()]),
  ok: Type.Boolean(),
  result: AuditResult,
});
const AuditSummary = Type.Omit(Audit, ['result']);

/** Oversight: log verifications and data audits. */
export function oversightRoutes(reports: Reports) {
  return async function routes(base: FastifyInstance): Promise<void> {
    const app = base.withTypeProvider<TypeBoxTypeProvider>();

    app.get(
      '/reports/logs/:custodian/verifications',
      {
        schema: {
          tags,
          security,
          summary: 'Các lần kiểm tra nhật ký chia sẻ (R-17.1) / Verifications of a sharing log (custodian of the log, coordinator, auditor)',
          params: Type.Object({ custodian: Code('Cơ quan chủ quản / custodian') }),
          response: { 200: Type.Array(Verification), ...errors(401, 404) },
        },
      },
      async (req) => {
        const p = principalOf(req);
        if (!seesEverything(p) && p.agencyCode !== req.params.custodian) throw notFound('nhật ký chia sẻ', 'sharing log', req.params.custodian);
        return reports.logChecks.history(req.params.custodian);
      },
    );

    app.post(
      '/reports/logs/verify',
      {
        schema: {
          tags,
          security,
          summary: 'Kiểm tra mọi nhật ký chia sẻ ngay (R-17.1) / Verify every sharing log now and record the results (coordinator)',
          response: { 200: Type.Array(Verification), ...errors(401, 403) },
        },
      },
      async (req) => {
        const p = principalOf(req);
        requireCoordinator(p, 'kiểm tra nhật ký chia sẻ', 'verify the sharing logs');
        return reports.logChecks.verifyAll(p.username);
      },
    );

    app.post(
      '/reports/audits',
      {
        schema: {
          tags,
          security,
          summary: 'Mở cuộc kiểm toán dữ liệu một cơ quan chủ quản (R-18.2) / Open a data audit of a custodian for a period (coordinator, auditor)',
          body: Type.Object(
            {
              custodian: Code('Cơ quan chủ quản / custodian'),
              from: VietnamDate('Từ ngày / from (inclusive)'),
              to: VietnamDate('Đến ngày / to (inclusive)'),
              sample_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 50 })),
              seen_checkpoint: Type.Optional(SeenCheckpoint),
            },
            { additionalProperties: false },
          ),
          response: { 201: Audit, ...errors(400, 401, 403, 404) },
        },
      },
      async (req, reply) => reply.code(201).send(await reports.audits.open(principalOf(req), req.body)),
    );

    app.get(
      '/reports/audits',
      {
        schema: {
          tags,
          security,
          summary: 'Các cuộc kiểm toán dữ liệu / Data audits (coordinator, auditor: all; custodian: its own)',
          querystring: QueryString({ custodian: Type.Optional(Code('Cơ quan chủ quản / custodian')), ...Pagination }),
          response: { 200: pageOf(AuditSummary), ...errors(400, 401) },
        },
      },
      async (req) => reports.audits.list(principalOf(req), req.query),
    );

    app.get(
      '/reports/audits/:id',
      {
        schema: {
          tags,
          security,
          summary: 'Kết quả kiểm toán, mọi con số kèm bằng chứng / An audit with its results, each number with its evidence',
          params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
          response: { 200: Audit, ...errors(401, 404) },
        },
      },
      async (req) => reports.audits.get(principalOf(req), req.params.id),
    );

    app.get(
      '/reports/audits/:id/report.xlsx',
      {
        schema: {
          tags,
          security,
          summary: 'Báo cáo kiểm toán (XLSX) / The audit report as a workbook',
          params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
          response: { ...errors(401, 404) },
        },
      },
      async (req, reply) => {
        const a = await reports.audits.get(principalOf(req), req.params.id);
        return reply
          .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
          .header('content-disposition', `attachment; filename="kiem-toan-${a.custodian_code}-${a.period_from}-${a.period_to}.xlsx"`)
          .send(await auditWorkbook(a));
      },
    );

    app.get(
      '/reports/audits/:id/report.pdf',
      {
        schema: {
          tags,
          security,
          summary: 'Báo cáo kiểm toán (PDF) / The audit report as a Party document',
          params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
          response: { ...errors(401, 404) },
        },
      },
      async (req, reply) => {
        const a = await reports.audits.get(principalOf(req), req.params.id);
        return reply
          .type('application/pdf')
          .header('content-disposition', `attachment; filename="kiem-toan-${a.custodian_code}-${a.period_from}-${a.period_to}.pdf"`)
          .send(await auditPdf(a));
      },
    );
  };
}
