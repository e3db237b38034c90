import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { PROBLEMS, PROBLEM_BASE, Problem } from '../core/errors.ts';
import { appliedMigrations, pendingMigrations } from '../db/migrate.ts';
import { MIGRATIONS, type Platform } from '../platform.ts';
import { errors } from './schemas.ts';

/** Operations endpoints: liveness, readiness, the OpenAPI document, the problem catalogue. */
export function systemRoutes(platform: Platform) {
  return async function routes(app: FastifyInstance): Promise<void> {
    const tags = ['system'];
    app.get(
      '/healthz',
      { schema: { tags, summary: 'Liveness / Tiến trình còn sống', response: { 200: Type.Object({ status: Type.Literal('ok') }) } } },
      async () => ({ status: 'ok' as const }),
    );

    app.get(
      '/readyz',
      {
        schema: {
          tags,
          summary: 'Readiness: database reachable and migrations current / Sẵn sàng phục vụ',
          response: { 200: Type.Object({ status: Type.Literal('ready'), database: Type.String(), migrations: Type.Integer() }), ...errors(503) },
        },
      },
      async () => {
        try {
          const pending = await pendingMigrations(platform.db, MIGRATIONS);
          if (pending.length > 0) {
            return Promise.reject(
              new Problem(PROBLEMS.unavailable, {
                detail: `Còn ${pending.length} bản chuyển đổi CSDL chưa áp dụng: chạy "lienthong migrate".`,
                detail_en: `${pending.length} migration(s) pending: run "lienthong migrate".`,
                headers: { 'retry-after': '30' },
              }),
            );
          }
          const applied = await appliedMigrations(platform.db);
          return { status: 'ready' as const, database: platform.db.driver, migrations: applied.length };
        } catch (err) {
          if (err instanceof Problem) throw err;
          throw new Problem(PROBLEMS.unavailable, {
            detail: 'Không kết nối được cơ sở dữ liệu.',
            detail_en: 'The database is unreachable.',
            headers: { 'retry-after': '5' },
          });
        }
      },
    );

    app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

    app.get('/problems/:slug', { schema: { hide: true, params: Type.Object({ slug: Type.String({ maxLength: 64 }) }) } }, async (request) => {
      const { slug } = request.params as { slug: string };
      const kind = Object.values(PROBLEMS).find((p) => p.slug === slug);
      if (!kind) throw new Problem(PROBLEMS.notFound, { detail: `Không có loại lỗi "${slug}".`, detail_en: `No problem type "${slug}".` });
      return { type: PROBLEM_BASE + kind.slug, status: kind.status, title: kind.title, title_en: kind.title_en };
    });
  };
}
