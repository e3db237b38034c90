import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { principalOf } from '../http/context.ts';
import { BearerSecurity, Timestamp, errors } from '../http/schemas.ts';
import type { UpstreamService } from './upstreams.ts';

const tags = ['catalog'];
const security = BearerSecurity;
const CodeParam = Type.Object({ code: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{1,63}$' }) });
const Service = Type.Object({
  dataset_code: Type.String(),
  base_url: Type.String(),
  auth: Type.String(),
  timeout_ms: Type.Integer(),
  version: Type.Integer(),
  created_at: Timestamp,
  updated_at: Timestamp,
});

/** R-6.1b, R-6.1c: where the custodian's own service is — what proxied reads forward to, what scheduled pulls read. */
export function upstreamRoutes(upstreams: UpstreamService) {
  return async function routes(base: FastifyInstance): Promise<void> {
    const app = base.withTypeProvider<TypeBoxTypeProvider>();
    app.put(
      '/datasets/:code/service',
      {
        schema: {
          tags,
          security,
          params: CodeParam,
          summary:
            'Khai báo dịch vụ của cơ quan chủ quản / Register the custodian service of a dataset: proxied reads (R-6.1b) or scheduled pulls of a hosted dataset (R-6.1c)',
          description:
            'auth = none, or platform_jwt: each forwarded request carries a 60-second JWT signed by the platform (audience = base_url), verifiable with /.well-known/jwks.json.',
          body: Type.Object(
            {
              base_url: Type.String({ maxLength: 2000 }),
              auth: Type.Union([Type.Literal('none'), Type.Literal('platform_jwt')]),
              timeout_ms: Type.Optional(Type.Integer({ minimum: 100, maximum: 120_000 })),
              reason: Type.Optional(Type.String({ maxLength: 2000 })),
            },
            { additionalProperties: false },
          ),
          response: { 200: Service, ...errors(400, 401, 403, 404, 422) },
        },
      },
      async (req) => upstreams.set(principalOf(req), req.params.code, req.body, req.body.reason),
    );

    app.get(
      '/datasets/:code/service',
      {
        schema: {
          tags,
          security,
          params: CodeParam,
          summary: 'Dịch vụ của cơ quan chủ quản / The custodian service of a proxy dataset',
          response: { 200: Service, ...errors(401, 404) },
        },
      },
      async (req) => upstreams.get(principalOf(req), req.params.code),
    );
  };
}
