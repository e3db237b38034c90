import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { notFound } from '../core/errors.ts';
import { principalOf } from '../http/context.ts';
import { BearerSecurity, IfMatchHeaders, NullableString, Timestamp, errors, versionFromIfMatch } from '../http/schemas.ts';
import { dashboardRoutes } from './dashboard-routes.ts';
import { Answer, Chart, ParamValue, Params, Receipt } from './schemas.ts';
import { EXPORT_FORMATS, type ExportFormat } from './exports.ts';
import { MAX_HORIZON } from './forecast.ts';
import { MAX_ROWS } from './query.ts';
import type { Warehouse } from './service.ts';

const security = BearerSecurity;
const tags = ['warehouse'];

const Sql = Type.String({ minLength: 1, maxLength: 20_000, description: 'Một câu lệnh SELECT / one SELECT statement' });
const AsOf = Type.String({ format: 'date-time', description: 'Trả lời theo dữ liệu tại thời điểm này / answer as the data stood at this instant' });

const QueryBody = Type.Object(
  {
    sql: Sql,
    params: Type.Optional(Params),
    as_of: Type.Optional(AsOf),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_ROWS, default: 1000 })),
    timeout_ms: Type.Optional(Type.Integer({ minimum: 100, maximum: 300_000, default: 30_000 })),
    query_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$', description: 'Mã để huỷ / id to cancel it by' })),
  },
  { additionalProperties: false },
);
const Column = Type.Object({ name: Type.String(), type: Type.String(), label_vi: Type.String(), label_en: Type.String(), masked: Type.Boolean() });
const Schema = Type.Object({
  datasets: Type.Array(
    Type.Object({
      code: Type.String(),
      view: Type.String(),
      custodian: Type.String(),
      classification: Type.String(),
      name_vi: Type.String(),
      name_en: Type.String(),
      aggregates_only: Type.Boolean(),
      min_cell: Type.Union([Type.Integer(), Type.Null()]),
      columns: Type.Array(Column),
    }),
  ),
  dimensions: Type.Array(Type.Object({ view: Type.String(), code: Type.String() })),
});
const SavedParameter = Type.Object({
  name: Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$', maxLength: 64 }),
  type: Type.Union([Type.Literal('text'), Type.Literal('number'), Type.Literal('date')]),
  label: Type.Optional(Type.String({ maxLength: 200 })),
  default: Type.Optional(ParamValue),
});
const SavedInput = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(Type.Union([Type.String({ maxLength: 2000 }), Type.Null()])),
    sql: Sql,
    parameters: Type.Optional(Type.Array(SavedParameter, { maxItems: 20 })),
    chart: Type.Optional(Type.Union([Chart, Type.Null()])),
  },
  { additionalProperties: false },
);
const SavedQuery = Type.Object({
  id: Type.String(),
  agency_code: Type.String(),
  name: Type.String(),
  description: NullableString(),
  sql: Type.String(),
  parameters: Type.Array(SavedParameter),
  chart: Type.Union([Chart, Type.Null()]),
  created_by: Type.String(),
  created_at: Timestamp,
  updated_at: Timestamp,
  version: Type.Integer(),
});
const IdParam = Type.Object({ id: Type.String({ format: 'uuid' }) });
const RunBody = Type.Object({ params: Type.Optional(Params) }, { additionalProperties: false });
const ExportBody = Type.Object(
  {
    sql: Type.Optional(Sql),
    saved_query_id: Type.Optional(Type.String({ format: 'uuid' })),
    params: Type.Optional(Params),
    as_of: Type.Optional(AsOf),
    format: Type.Union(EXPORT_FORMATS.map((f) => Type.Literal(f))),
  },
  { additionalProperties: false },
);

const ForecastBody = Type.Object(
  {
    sql: Type.Optional(Sql),
    saved_query_id: Type.Optional(Type.String({ format: 'uuid' })),
    params: Type.Optional(Params),
    as_of: Type.Optional(AsOf),
    horizon: Type.Integer({ minimum: 1, maximum: MAX_HORIZON, description: 'Số kỳ dự báo / periods to project' }),
  },
  { additionalProperties: false, description: 'Câu truy vấn trả về (period, value) theo thứ tự kỳ / a query giving (period, value) rows ordered by period' },
);
const Period = Type.Union([Type.String(), Type.Number()]);
const Forecast = Type.Object({
  query_id: Type.String(),
  history: Type.Array(Type.Object({ period: Period, value: Type.Number() })),
  forecast: Type.Array(
    Type.Object({
      period: Period,
      value: Type.Number(),
      lower: Type.Number({ description: 'Cận dưới khoảng dự báo / lower bound of the prediction interval' }),
      upper: Type.Number({ description: 'Cận trên / upper bound' }),
    }),
  ),
  model: Type.String({ description: 'Mô hình / model, e.g. ARIMA(0,2,1)' }),
  level: Type.Number({ description: 'Mức tin cậy của khoảng / the intervals’ level (0.95)' }),
  as_of: Type.Union([Type.String(), Type.Null()]),
  datasets: Type.Array(Type.String()),
  suppressed_below: Type.Union([Type.Integer(), Type.Null()]),
  sha256: Type.String({ description: 'SHA-256 của {history, forecast, model, level, as_of} như được ghi nhật ký / as logged' }),
  receipts: Type.Array(Receipt),
});

const ParquetExport = Type.Object({
  export_id: Type.String(),
  directory: Type.String({ description: 'Thư mục trên máy chủ / directory on the server: exports/<export_id>/ beside the warehouse file' }),
  manifest_sha256: Type.String({ description: 'SHA-256 của manifest.json, như được ghi nhật ký / as logged (R-17.2)' }),
  manifest: Type.Object({
    format: Type.String(),
    export_id: Type.String(),
    taken_at: Type.String({ format: 'date-time' }),
    partitioning: Type.Object({ style: Type.String(), by: Type.Array(Type.String()), column_type: Type.String(), timezone: Type.String() }),
    datasets: Type.Array(
      Type.Object({
        code: Type.String(),
        custodian: Type.String(),
        classification: Type.String(),
        position: Type.Integer({ description: 'Vị trí luồng thay đổi đã nạp / change-feed position the table had reached' }),
        ingested_at: Type.Union([Type.String(), Type.Null()]),
        rows: Type.Integer(),
        bytes: Type.Integer(),
        columns: Type.Array(Type.Object({ name: Type.String(), type: Type.String() })),
      }),
    ),
    files: Type.Array(
      Type.Object({
        path: Type.String(),
        dataset: Type.String(),
        valid_from_date: Type.String(),
        rows: Type.Integer(),
        bytes: Type.Integer(),
        sha256: Type.String(),
      }),
    ),
  }),
  receipts: Type.Array(Receipt),
});

export function warehouseRoutes(wh: Warehouse) {
  return async function routes(base: FastifyInstance): Promise<void> {
    const app = base.withTypeProvider<TypeBoxTypeProvider>();

    app.get(
      '/warehouse/schema',
      {
        schema: {
          tags,
          security,
          summary: 'Các bảng được phép truy vấn / The views an analyst may query (R-7.3: columns granted by agreements in force, masked as the gateway masks)',
          response: { 200: Schema, ...errors(401, 403) },
        },
      },
      async (req) => wh.schema(principalOf(req)),
    );

    app.post(
      '/warehouse/query',
      {
        schema: {
          tags,
          security,
          summary:
            'Truy vấn kho dữ liệu / Query the warehouse (one SELECT, compiled against the analyst’s views; logged in each custodian’s log before the answer, R-17.2)',
          body: QueryBody,
          response: { 200: Answer, ...errors(400, 401, 403, 409, 422, 503) },
        },
      },
      async (req) => wh.query(principalOf(req), req.body, String(req.id)),
    );

    app.post(
      '/warehouse/queries/:id/cancel',
      {
        schema: {
          tags,
          security,
          summary: 'Huỷ truy vấn đang chạy / Cancel a running query of one’s own',
          params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
          response: { 204: Type.Null(), ...errors(401, 404) },
        },
      },
      async (req, reply) => {
        if (!wh.cancel(principalOf(req), req.params.id)) throw notFound('truy vấn đang chạy', 'running query', req.params.id);
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/warehouse/saved-queries',
      {
        schema: {
          tags,
          security,
          summary: 'Truy vấn đã lưu của cơ quan / The agency’s saved queries',
          response: { 200: Type.Array(SavedQuery), ...errors(401) },
        },
      },
      async (req) => wh.saved.list(principalOf(req)),
    );
    app.post(
      '/warehouse/saved-queries',
      {
        schema: {
          tags,
          security,
          summary: 'Lưu truy vấn / Save a query (with parameters and a chart)',
          body: SavedInput,
          response: { 201: SavedQuery, ...errors(400, 401) },
        },
      },
      async (req, reply) => reply.code(201).send(await wh.saved.create(principalOf(req), req.body)),
    );
    app.get(
      '/warehouse/saved-queries/:id',
      { schema: { tags, security, summary: 'Một truy vấn đã lưu / A saved query', params: IdParam, response: { 200: SavedQuery, ...errors(401, 404) } } },
      async (req) => wh.saved.get(principalOf(req), req.params.id),
    );
    app.put(
      '/warehouse/saved-queries/:id',
      {
        schema: {
          tags,
          security,
          summary: 'Sửa truy vấn đã lưu / Change a saved query',
          params: IdParam,
          headers: IfMatchHeaders,
          body: SavedInput,
          response: { 200: SavedQuery, ...errors(400, 401, 404, 412) },
        },
      },
      async (req) => wh.saved.update(principalOf(req), req.params.id, req.body, versionFromIfMatch(req.headers['if-match'])),
    );
    app.delete(
      '/warehouse/saved-queries/:id',
      {
        schema: { tags, security, summary: 'Xoá truy vấn đã lưu / Delete a saved query', params: IdParam, response: { 204: Type.Null(), ...errors(401, 404) } },
      },
      async (req, reply) => {
        await wh.saved.remove(principalOf(req), req.params.id);
        return reply.code(204).send(null);
      },
    );
    for (const [suffix, chart] of [
      ['run', false],
      ['chart', true],
    ] as const)
      app.post(
        `/warehouse/saved-queries/:id/${suffix}`,
        {
          schema: {
            tags,
            security,
            summary: chart
              ? 'Làm mới biểu đồ / Refresh a saved query’s chart (a query like any other: decided and logged again)'
              : 'Chạy truy vấn đã lưu / Run a saved query with the runner’s grants of now',
            params: IdParam,
            body: RunBody,
            response: { 200: Answer, ...errors(400, 401, 403, 404, 409, 422, 503) },
          },
        },
        async (req) => wh.runSaved(principalOf(req), req.params.id, req.body.params, String(req.id), chart),
      );

    app.post(
      '/warehouse/exports',
      {
        schema: {
          tags,
          security,
          summary: 'Xuất kết quả (CSV, XLSX, Parquet) / Export an answer as a file (logged with the file’s SHA-256 before it is given)',
          body: ExportBody,
          response: { ...errors(400, 401, 403, 404, 409, 422, 503) },
        },
      },
      async (req, reply) => {
        const out = await wh.export(principalOf(req), { ...req.body, format: req.body.format as ExportFormat }, String(req.id));
        return reply
          .type(out.contentType)
          .header('content-disposition', `attachment; filename="${out.filename}"`)
          .header('repr-digest', `sha-256=:${Buffer.from(out.sha256, 'hex').toString('base64')}:`)
          .header('lienthong-receipts', out.receipts.map((r) => `${r.log}:${r.id}`).join(', '))
          .header('lienthong-rows', String(out.rows))
          .send(out.body);
      },
    );

    app.put(
      '/warehouse/datasets/:code/policy',
      {
        schema: {
          tags,
          security,
          summary: 'Chỉ cho khai thác số liệu tổng hợp / Restrict a dataset to aggregates with small-cell suppression (its custodian)',
          params: Type.Object({ code: Type.String({ maxLength: 64, pattern: '^[a-z0-9-]+$' }) }),
          body: Type.Object(
            { aggregates_only: Type.Boolean(), min_cell: Type.Optional(Type.Integer({ minimum: 2, maximum: 1000 })) },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({ dataset_code: Type.String(), aggregates_only: Type.Boolean(), min_cell: Type.Integer() }),
            ...errors(400, 401, 403, 404, 422),
          },
        },
      },
      async (req) => wh.setPolicy(principalOf(req), req.params.code, req.body),
    );

    app.post(
      '/warehouse/forecast',
      {
        schema: {
          tags,
          security,
          summary:
            'Dự báo chuỗi số liệu / Forecast a (period, value) series with its 95 % interval (R-7.3; the query runs as /warehouse/query does, logged before the answer, R-17.2)',
          body: ForecastBody,
          response: { 200: Forecast, ...errors(400, 401, 403, 404, 409, 422, 503) },
        },
      },
      async (req) => wh.forecast(principalOf(req), req.body, String(req.id)),
    );

    app.post(
      '/warehouse/parquet-exports',
      {
        schema: {
          tags,
          security,
          summary:
            'Xuất toàn bộ bảng thành Parquet phân vùng / Export the whole tables as Parquet partitioned by dataset and date, with a manifest of checksums (coordinator; logged in each custodian’s log first, R-17.2)',
          response: { 201: ParquetExport, ...errors(401, 403, 409, 503) },
        },
      },
      async (req, reply) => reply.code(201).send(await wh.exportParquetAs(principalOf(req), String(req.id))),
    );

    app.post(
      '/warehouse/ingest',
      {
        schema: {
          tags,
          security,
          summary: 'Nạp dữ liệu mới vào kho ngay / Run the ingestion from the change feed now (coordinator)',
          response: {
            200: Type.Object({ datasets: Type.Integer(), changes: Type.Integer(), dropped: Type.Array(Type.String()), dimensions: Type.Integer() }),
            ...errors(401, 403, 503),
          },
        },
      },
      async (req) => wh.ingestAs(principalOf(req)),
    );

    await dashboardRoutes(wh)(base);
  };
}
