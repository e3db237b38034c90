import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { principalOf } from '../http/context.ts';
import { BearerSecurity, IfMatchHeaders, NullableString, Timestamp, errors, versionFromIfMatch } from '../http/schemas.ts';
import { GRID_COLUMNS, MAX_TILES } from './dashboards.ts';
import { Answer, Chart, Params } from './schemas.ts';
import type { Warehouse } from './service.ts';

const security = BearerSecurity;
const tags = ['warehouse'];

/**
 * Dashboards of the warehouse: CRUD of the agency's dashboards, and their refresh, which
 * runs each tile's saved query as a chart refresh does and answers tile by tile.
 */
export function dashboardRoutes(wh: Warehouse) {
  const TileChart = Type.Union([Type.Literal('bar'), Type.Literal('line'), Type.Literal('pie'), Type.Literal('table')], {
    description: 'Cách thể hiện / how the tile is drawn',
  });
  const Tile = Type.Object(
    {
      saved_query_id: Type.String({ format: 'uuid', description: 'Truy vấn đã lưu của cơ quan / a saved query of the agency' }),
      chart: TileChart,
      params: Type.Optional(Params),
      width: Type.Integer({ minimum: 1, maximum: GRID_COLUMNS, description: `Độ rộng trên lưới ${GRID_COLUMNS} cột / width on a ${GRID_COLUMNS}-column grid` }),
    },
    { additionalProperties: false },
  );
  const Tiles = Type.Array(Tile, { maxItems: MAX_TILES, description: 'Các ô theo thứ tự hiển thị / tiles in display order' });
  const Title = Type.String({ minLength: 1, maxLength: 200, description: 'Tên bảng điều khiển (tiếng Việt) / title (Vietnamese)' });
  const Description = Type.Union([Type.String({ maxLength: 2000 }), Type.Null()]);
  const DashboardInput = Type.Object({ title: Title, description: Type.Optional(Description), tiles: Tiles }, { additionalProperties: false });
  const DashboardPatch = Type.Object(
    { title: Type.Optional(Title), description: Type.Optional(Description), tiles: Type.Optional(Tiles) },
    { additionalProperties: false, minProperties: 1 },
  );
  const Dashboard = Type.Object({
    id: Type.String(),
    agency_code: Type.String(),
    title: Type.String(),
    description: NullableString(),
    tiles: Type.Array(Tile),
    created_by: Type.String(),
    created_at: Timestamp,
    updated_at: Timestamp,
    version: Type.Integer(),
  });
  const TileProblem = Type.Object(
    {
      type: Type.String(),
      title: Type.String(),
      title_en: Type.String(),
      status: Type.Integer(),
      detail: Type.Optional(Type.String()),
      detail_en: Type.Optional(Type.String()),
      rule: Type.Optional(Type.String()),
      instance: Type.String(),
      request_id: Type.String(),
    },
    { additionalProperties: true, description: 'Lỗi của riêng ô này (RFC 9457) / this tile’s own problem' },
  );
  const Refresh = Type.Object({
    dashboard_id: Type.String(),
    version: Type.Integer(),
    refreshed_at: Timestamp,
    tiles: Type.Array(
      Type.Object({
        position: Type.Integer(),
        saved_query_id: Type.String(),
        chart: TileChart,
        width: Type.Integer(),
        saved_query: Type.Union([Type.Object({ name: Type.String(), chart: Type.Union([Chart, Type.Null()]) }), Type.Null()], {
          description: 'Tên và biểu đồ của truy vấn đã lưu, trống khi truy vấn không còn / the saved query’s name and chart; null when it is gone',
        }),
        result: Type.Union([Answer, Type.Null()]),
        problem: Type.Union([TileProblem, Type.Null()]),
      }),
    ),
  });
  const IdParam = Type.Object({ id: Type.String({ format: 'uuid' }) });

  return async function routes(base: FastifyInstance): Promise<void> {
    const app = base.withTypeProvider<TypeBoxTypeProvider>();

    app.get(
      '/warehouse/dashboards',
      {
        schema: { tags, security, summary: 'Bảng điều khiển của cơ quan / The agency’s dashboards', response: { 200: Type.Array(Dashboard), ...errors(401) } },
      },
      async (req) => wh.dashboards.list(principalOf(req)),
    );
    app.post(
      '/warehouse/dashboards',
      {
        schema: {
          tags,
          security,
          summary: 'Tạo bảng điều khiển / Create a dashboard from saved queries of the agency',
          body: DashboardInput,
          response: { 201: Dashboard, ...errors(400, 401) },
        },
      },
      async (req, reply) => reply.code(201).send(await wh.dashboards.create(principalOf(req), req.body)),
    );
    app.get(
      '/warehouse/dashboards/:id',
      { schema: { tags, security, summary: 'Một bảng điều khiển / A dashboard', params: IdParam, response: { 200: Dashboard, ...errors(401, 404) } } },
      async (req) => wh.dashboards.get(principalOf(req), req.params.id),
    );
    app.patch(
      '/warehouse/dashboards/:id',
      {
        schema: {
          tags,
          security,
          summary: 'Sửa bảng điều khiển / Change a dashboard (the fields given; tiles replaced as a whole)',
          params: IdParam,
          headers: IfMatchHeaders,
          body: DashboardPatch,
          response: { 200: Dashboard, ...errors(400, 401, 404, 412) },
        },
      },
      async (req) => wh.dashboards.update(principalOf(req), req.params.id, req.body, versionFromIfMatch(req.headers['if-match'])),
    );
    app.delete(
      '/warehouse/dashboards/:id',
      { schema: { tags, security, summary: 'Xoá bảng điều khiển / Delete a dashboard', params: IdParam, response: { 204: Type.Null(), ...errors(401, 404) } } },
      async (req, reply) => {
        await wh.dashboards.remove(principalOf(req), req.params.id);
        return reply.code(204).send(null);
      },
    );
    app.post(
      '/warehouse/dashboards/:id/refresh',
      {
        schema: {
          tags,
          security,
          summary:
            'Làm mới bảng điều khiển / Refresh a dashboard: each tile’s saved query run as a chart refresh (the runner’s grants of now, logged before its answer, R-17.2), each tile with its answer or its own problem',
          params: IdParam,
          response: { 200: Refresh, ...errors(401, 404) },
        },
      },
      async (req) => wh.refreshDashboard(principalOf(req), req.params.id, String(req.id)),
    );
  };
}
