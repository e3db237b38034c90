import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { principalOf } from '../http/context.ts';
import { BearerSecurity, IfMatchHeaders, NullableString, Pagination, QueryString, Timestamp, errors, pageOf, versionFromIfMatch } from '../http/schemas.ts';
import type { Runner } from './runner.ts';
import type { ScheduleService } from './service.ts';

const tags = ['schedules'];
const security = BearerSecurity;
const IdParam = Type.Object({ id: Type.String({ maxLength: 64 }) });
const Cron = Type.String({
  minLength: 9,
  maxLength: 200,
  description:
    'Biểu thức cron 5 trường theo giờ Việt Nam (Asia/Ho_Chi_Minh), ví dụ "0 2 * * *" là 02:00 hằng ngày / Five-field cron expression in Viet Nam time, e.g. "0 2 * * *" is 02:00 every day (19:00 UTC)',
});
const Procedure = Type.String({ maxLength: 4000, description: 'Quy trình đồng bộ / The synchronisation procedure (R-6.1c)' });
const Mode = Type.Union([Type.Literal('full'), Type.Literal('incremental')], {
  description: 'full: toàn bộ, khoá không còn được liệt kê bị xoá / the whole dataset, keys no longer listed are tombstoned; incremental: updated_since',
});
const Endpoint = Type.String({ maxLength: 2000, description: 'Địa chỉ nhận của bên khai thác / The consumer endpoint batches are POSTed to' });

const Run = Type.Object({
  id: Type.String(),
  schedule_id: Type.String(),
  trigger: Type.String({ description: 'schedule | manual' }),
  runner: Type.String(),
  started_at: Timestamp,
  finished_at: Type.Union([Timestamp, Type.Null()]),
  status: Type.String({ description: 'running | succeeded | partial | failed | refused | interrupted' }),
  fetched: Type.Integer(),
  written: Type.Integer(),
  unchanged: Type.Integer(),
  deleted: Type.Integer(),
  refused: Type.Integer(),
  delivered: Type.Integer(),
  errors: Type.Array(Type.Object({ key: NullableString(), path: Type.String(), message: Type.String(), message_en: Type.String() }), {
    description: 'Bản ghi bị từ chối / Refused records with their keys and reasons',
  }),
  error: NullableString(),
  error_en: NullableString(),
  rule: NullableString(),
  cursor_from: NullableString(),
  cursor_to: NullableString(),
  receipts: Type.Array(Type.String(), { description: 'Biên nhận nhật ký chia sẻ của các lô đã gửi / Sharing-log receipts of the delivered batches (R-17.2)' }),
});

const Schedule = Type.Object({
  id: Type.String(),
  direction: Type.String({ description: 'pull | deliver' }),
  dataset_code: Type.String(),
  custodian_code: Type.String(),
  consumer_code: NullableString(),
  agreement_id: NullableString(),
  mode: NullableString(),
  endpoint_url: NullableString(),
  cron: Type.String(),
  time_zone: Type.String(),
  procedure: Type.String(),
  status: Type.String({ description: 'active | paused' }),
  cursor: NullableString(),
  next_run_at: Type.Union([Timestamp, Type.Null()]),
  created_by: Type.String(),
  created_at: Timestamp,
  updated_at: Timestamp,
  version: Type.Integer(),
  last_run: Type.Union([Run, Type.Null()]),
});

const CreateBody = Type.Union([
  Type.Object(
    {
      direction: Type.Literal('pull'),
      dataset_code: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{1,63}$' }),
      mode: Mode,
      cron: Cron,
      procedure: Type.Optional(Procedure),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      direction: Type.Literal('deliver'),
      agreement_id: Type.String({ maxLength: 64 }),
      endpoint_url: Endpoint,
      cron: Cron,
      procedure: Type.Optional(Procedure),
    },
    { additionalProperties: false },
  ),
]);

/** R-6.1c: schedules of periodic synchronisation and their runs. */
export function scheduleRoutes(service: ScheduleService, runner: Runner) {
  return async function routes(base: FastifyInstance): Promise<void> {
    const app = base.withTypeProvider<TypeBoxTypeProvider>();

    app.get(
      '/schedules',
      {
        schema: {
          tags,
          security,
          summary: 'Lịch đồng bộ định kỳ / Synchronisation schedules (own agency as custodian or consumer; all for coordinator and auditor)',
          querystring: QueryString({
            dataset: Type.Optional(Type.String({ maxLength: 64 })),
            direction: Type.Optional(Type.Union([Type.Literal('pull'), Type.Literal('deliver')])),
            ...Pagination,
          }),
          response: { 200: pageOf(Schedule), ...errors(400, 401) },
        },
      },
      async (req) => ({ ...(await service.list(principalOf(req), req.query)), limit: req.query.limit, offset: req.query.offset }),
    );

    app.post(
      '/schedules',
      {
        schema: {
          tags,
          security,
          summary: 'Tạo lịch đồng bộ / Create a schedule: pull (custodian) or deliver under a sync agreement (consumer) (R-6.1c)',
          description:
            'pull: GET <registered service>/records?updated_since=&page= into the hosted dataset, validated like any write. deliver: the feed changes since the last run, shaped by the agreement, POSTed to endpoint_url. See docs/schedules.md.',
          body: CreateBody,
          response: { 201: Schedule, ...errors(400, 401, 403, 404, 422) },
        },
      },
      async (req, reply) => reply.code(201).send(await service.create(principalOf(req), req.body)),
    );

    app.get(
      '/schedules/:id',
      {
        schema: { tags, security, params: IdParam, summary: 'Một lịch đồng bộ / One schedule', response: { 200: Schedule, ...errors(401, 404) } },
      },
      async (req, reply) => {
        const s = await service.get(principalOf(req), req.params.id);
        return reply.header('etag', `"${s.version}"`).send(s);
      },
    );

    app.patch(
      '/schedules/:id',
      {
        schema: {
          tags,
          security,
          params: IdParam,
          headers: IfMatchHeaders,
          summary: 'Sửa lịch đồng bộ / Change a schedule (cron, procedure, mode, endpoint)',
          body: Type.Object(
            { cron: Type.Optional(Cron), procedure: Type.Optional(Procedure), mode: Type.Optional(Mode), endpoint_url: Type.Optional(Endpoint) },
            { additionalProperties: false },
          ),
          response: { 200: Schedule, ...errors(400, 401, 403, 404, 412) },
        },
      },
      async (req) => service.update(principalOf(req), req.params.id, req.body, versionFromIfMatch(req.headers['if-match'])),
    );

    for (const [name, status, summary] of [
      ['pause', 'paused', 'Tạm dừng lịch / Pause a schedule: no scheduled run starts'],
      ['resume', 'active', 'Tiếp tục lịch / Resume a schedule from its next time'],
    ] as const) {
      app.post(
        `/schedules/:id/${name}`,
        {
          schema: {
            tags,
            security,
            params: IdParam,
            summary,
            body: Type.Optional(Type.Object({ reason: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false })),
            response: { 200: Schedule, ...errors(400, 401, 403, 404) },
          },
        },
        async (req) => service.setStatus(principalOf(req), req.params.id, status, req.body?.reason),
      );
    }

    app.post(
      '/schedules/:id/run',
      {
        schema: {
          tags,
          security,
          params: IdParam,
          summary: 'Chạy ngay / Run a schedule now; answers the run with its counts and errors',
          response: { 201: Run, ...errors(401, 403, 404, 409) },
        },
      },
      async (req, reply) => {
        await service.mayRun(principalOf(req), req.params.id);
        const run = await runner.runNow(req.params.id);
        if (!run) throw service.notRunning();
        return reply.code(201).send(run);
      },
    );

    app.get(
      '/schedules/:id/runs',
      {
        schema: {
          tags,
          security,
          params: IdParam,
          querystring: QueryString({ ...Pagination }),
          summary: 'Các lần chạy / Runs of a schedule, newest first: counts, refused records, cursor, receipts',
          response: { 200: pageOf(Run), ...errors(400, 401, 404) },
        },
      },
      async (req) => ({ ...(await service.runs(principalOf(req), req.params.id, req.query)), limit: req.query.limit, offset: req.query.offset }),
    );
  };
}
