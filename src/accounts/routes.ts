import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { principalOf, withVersion } from '../http/context.ts';
import { BearerSecurity, HistoryEntry, Pagination, QueryString, errors, pageOf } from '../http/schemas.ts';
import { AgencyCode, SystemCode } from '../registry/index.ts';
import type { Accounts } from './index.ts';
import * as S from './schemas.ts';

const security = BearerSecurity;
const tags = ['accounts'];
const Status = Type.Union([Type.Literal('active'), Type.Literal('revoked')]);

/** Connection accounts and delegated issuance, for officials. */
export function accountRoutes(accounts: Accounts) {
  const { accounts: service, delegations } = accounts;
  return async function routes(base: FastifyInstance): Promise<void> {
    const app = base.withTypeProvider<TypeBoxTypeProvider>();

    app.get(
      '/accounts',
      {
        schema: {
          tags,
          summary: 'Tài khoản kết nối / List connection accounts',
          security,
          querystring: QueryString({ system: Type.Optional(SystemCode), status: Type.Optional(Status), ...Pagination }),
          response: { 200: pageOf(S.Account), ...errors(400, 401) },
        },
      },
      async (req) => service.list(principalOf(req), req.query),
    );

    app.post(
      '/accounts',
      {
        schema: {
          tags,
          summary: 'Cấp tài khoản kết nối / Issue a connection account (R-14.1, R-14.2)',
          security,
          body: S.AccountCreate,
          description:
            "For a consumer system at security level ≥ 3 (R-13.3). A client_secret account returns its secret once. With `delegation_id`, an intermediary operator issues an account restricted to the delegating custodian's datasets.",
          response: { 201: S.CreatedAccount, ...errors(400, 401, 403, 404, 422) },
        },
      },
      async (req, reply) =>
        reply
          .code(201)
          .header('cache-control', 'no-store')
          .send(await service.create(principalOf(req), req.body)),
    );

    app.get(
      '/accounts/:client_id',
      {
        schema: {
          tags,
          summary: 'Một tài khoản kết nối / One connection account',
          security,
          params: S.ClientIdParam,
          response: { 200: S.Account, ...errors(401, 404) },
        },
      },
      async (req, reply) => withVersion(reply, await service.get(principalOf(req), req.params.client_id)),
    );

    app.post(
      '/accounts/:client_id/rotate-secret',
      {
        schema: {
          tags,
          summary: 'Đổi mật khẩu tài khoản / Rotate the client secret',
          security,
          params: S.ClientIdParam,
          body: S.RotateBody,
          description: 'Returns the new secret once; the previous secrets stay valid for `grace_seconds` (default 24 h).',
          response: { 200: S.RotatedSecret, ...errors(400, 401, 403, 404, 409) },
        },
      },
      async (req, reply) => reply.header('cache-control', 'no-store').send(await service.rotateSecret(principalOf(req), req.params.client_id, req.body)),
    );

    app.post(
      '/accounts/:client_id/revoke',
      {
        schema: {
          tags,
          summary: 'Thu hồi tài khoản / Revoke (immediate)',
          security,
          params: S.ClientIdParam,
          body: S.ReasonBody,
          response: { 200: S.Account, ...errors(400, 401, 403, 404, 409) },
        },
      },
      async (req) => service.revoke(principalOf(req), req.params.client_id, req.body.reason),
    );

    app.put(
      '/accounts/:client_id/jwks',
      {
        schema: {
          tags,
          summary: 'Đăng ký / thay bộ khoá công khai / Register or replace the JWKS (private_key_jwt)',
          security,
          params: S.ClientIdParam,
          body: Type.Object({ jwks: S.Jwks, reason: S.Reason }, { additionalProperties: false }),
          response: { 200: S.Account, ...errors(400, 401, 403, 404, 409) },
        },
      },
      async (req) => service.setJwks(principalOf(req), req.params.client_id, req.body.jwks, req.body.reason),
    );

    app.get(
      '/accounts/:client_id/history',
      {
        schema: {
          tags,
          summary: 'Lịch sử thay đổi / Change history',
          security,
          params: S.ClientIdParam,
          response: { 200: Type.Array(HistoryEntry), ...errors(401, 404) },
        },
      },
      async (req) => service.history(principalOf(req), req.params.client_id),
    );

    // ── delegations ──
    app.get(
      '/delegations',
      {
        schema: {
          tags,
          summary: 'Ủy quyền cấp tài khoản / List delegations of account issuance (R-14.2)',
          security,
          querystring: QueryString({ custodian: Type.Optional(AgencyCode), operator: Type.Optional(AgencyCode), status: Type.Optional(Status), ...Pagination }),
          response: { 200: pageOf(S.Delegation), ...errors(400, 401) },
        },
      },
      async (req) => delegations.list(principalOf(req), req.query),
    );

    app.post(
      '/delegations',
      {
        schema: {
          tags,
          summary: 'Ủy quyền cho đơn vị trung gian / Delegate issuance to an intermediary operator (custodian)',
          security,
          body: S.DelegationCreate,
          response: { 201: S.Delegation, ...errors(400, 401, 403, 409, 422) },
        },
      },
      async (req, reply) => reply.code(201).send(await delegations.create(principalOf(req), req.body)),
    );

    app.get(
      '/delegations/:id',
      {
        schema: { tags, summary: 'Một ủy quyền / One delegation', security, params: S.IdParam, response: { 200: S.Delegation, ...errors(400, 401, 404) } },
      },
      async (req, reply) => withVersion(reply, await delegations.get(principalOf(req), req.params.id)),
    );

    app.post(
      '/delegations/:id/revoke',
      {
        schema: {
          tags,
          summary: 'Thu hồi ủy quyền / Revoke a delegation and the accounts issued under it',
          security,
          params: S.IdParam,
          body: S.ReasonBody,
          response: { 200: Type.Object({ delegation: S.Delegation, revoked_accounts: Type.Array(Type.String()) }), ...errors(400, 401, 403, 404, 409) },
        },
      },
      async (req) => delegations.revoke(principalOf(req), req.params.id, req.body.reason),
    );

    app.get(
      '/delegations/:id/history',
      {
        schema: {
          tags,
          summary: 'Lịch sử thay đổi / Change history',
          security,
          params: S.IdParam,
          response: { 200: Type.Array(HistoryEntry), ...errors(400, 401, 404) },
        },
      },
      async (req) => delegations.history(principalOf(req), req.params.id),
    );
  };
}
