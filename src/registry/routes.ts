import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { principalOf, withVersion } from '../http/context.ts';
import { BearerSecurity, HistoryEntry, IfMatchHeaders, Pagination, QueryString, errors, pageOf, versionFromIfMatch } from '../http/schemas.ts';
import { AGENCY_KINDS } from './agencies.ts';
import type { Registry } from './index.ts';
import { type Principal, ROLES } from './principal.ts';
import { SECURITY_EVENT_KINDS, type RequestMeta } from './security-events.ts';
import * as S from './schemas.ts';

const security = BearerSecurity;
const CodeParam = Type.Object({ code: Type.String({ maxLength: 64 }) });

/** Where the request came from, for the security events it causes. */
export const metaOf = (req: FastifyRequest): RequestMeta => ({ clientAddress: req.ip });

/** The signed-in official as `GET /me` (and the console's session) answers. */
export async function currentUser(registry: Pick<Registry, 'users' | 'agencies'>, p: Principal) {
  const [user, agency] = await Promise.all([registry.users.get(p.username), registry.agencies.get(p.agencyCode)]);
  return {
    username: user.username,
    full_name: user.full_name,
    agency: { code: agency.code, name_vi: agency.name_vi, name_en: agency.name_en },
    roles: user.roles,
    mfa_enabled: user.mfa_enabled,
    session_expires_at: p.sessionExpiresAt,
  };
}

export function registryRoutes(registry: Registry) {
  const { agencies, systems, users, auth, enrolments, securityEvents } = registry;
  return async function routes(base: FastifyInstance): Promise<void> {
    const app = base.withTypeProvider<TypeBoxTypeProvider>();

    // ── auth ──
    app.post(
      '/auth/login',
      {
        schema: { tags: ['auth'], summary: 'Đăng nhập / Sign in', body: S.LoginBody, response: { 200: S.LoginResult, ...errors(400, 401, 423) } },
      },
      async (req) => auth.login(req.body, metaOf(req)),
    );

    app.post(
      '/auth/logout',
      {
        schema: { tags: ['auth'], summary: 'Đăng xuất / Sign out', security, response: { 204: Type.Null(), ...errors(401) } },
      },
      async (req, reply) => {
        await auth.logout(principalOf(req), metaOf(req));
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/me',
      {
        schema: { tags: ['auth'], summary: 'Người dùng hiện tại / Current user', security, response: { 200: S.Me, ...errors(401) } },
      },
      async (req) => currentUser(registry, principalOf(req)),
    );

    // ── enrolment (public: the link's token is the credential) ──
    app.get(
      '/enrolments/:token',
      {
        schema: {
          tags: ['auth'],
          summary: 'Xem liên kết kích hoạt, nhận khoá TOTP / Open an enrolment link, receive the TOTP secret (R-13.3)',
          params: S.EnrolmentToken,
          response: { 200: S.EnrolmentView, ...errors(404, 410) },
        },
      },
      async (req, reply) => {
        void reply.header('cache-control', 'no-store');
        return enrolments.view(req.params.token);
      },
    );

    app.post(
      '/enrolments/:token',
      {
        schema: {
          tags: ['auth'],
          summary: 'Đặt mật khẩu và xác nhận TOTP / Set the password and confirm the TOTP secret (R-13.3)',
          params: S.EnrolmentToken,
          body: S.EnrolmentCompletion,
          response: { 204: Type.Null(), ...errors(400, 404, 409, 410) },
        },
      },
      async (req, reply) => {
        await enrolments.complete(req.params.token, req.body.password, req.body.totp, metaOf(req));
        return reply.code(204).send(null);
      },
    );

    // ── security events ──
    app.get(
      '/security-events',
      {
        schema: {
          tags: ['auth'],
          summary: 'Nhật ký an ninh tài khoản / Security events of accounts (coordinator, auditor)',
          security,
          querystring: QueryString({
            username: Type.Optional(Type.String({ maxLength: 200 })),
            kind: Type.Optional(Type.Union(SECURITY_EVENT_KINDS.map((k) => Type.Literal(k)))),
            from: Type.Optional(Type.String({ format: 'date-time', description: 'Từ thời điểm (gồm) / From (inclusive), RFC 3339' })),
            to: Type.Optional(Type.String({ format: 'date-time', description: 'Đến thời điểm (không gồm) / To (exclusive), RFC 3339' })),
            ...Pagination,
          }),
          response: { 200: pageOf(S.SecurityEvent), ...errors(400, 401, 403) },
        },
      },
      async (req) => securityEvents.search(principalOf(req), req.query),
    );

    app.post(
      '/me/password',
      {
        schema: {
          tags: ['auth'],
          summary: 'Đổi mật khẩu / Change own password',
          security,
          body: Type.Object(
            { current_password: Type.String({ minLength: 1, maxLength: 256 }), new_password: Type.String({ minLength: 12, maxLength: 256 }) },
            { additionalProperties: false },
          ),
          response: { 204: Type.Null(), ...errors(400, 401) },
        },
      },
      async (req, reply) => {
        await users.changePassword(principalOf(req), req.body.current_password, req.body.new_password);
        return reply.code(204).send(null);
      },
    );

    // ── agencies ──
    const agencyTags = ['registry'];
    app.get(
      '/agencies',
      {
        schema: {
          tags: agencyTags,
          summary: 'Danh sách cơ quan / List agencies',
          security,
          querystring: QueryString({
            kind: Type.Optional(Type.Union(AGENCY_KINDS.map((k) => Type.Literal(k)))),
            parent: Type.Optional(S.AgencyCode),
            central_office: Type.Optional(Type.Boolean()),
            status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('retired')])),
            q: Type.Optional(Type.String({ maxLength: 200, description: 'Tìm không dấu / diacritics-insensitive' })),
            ...Pagination,
          }),
          response: { 200: pageOf(S.Agency), ...errors(400, 401) },
        },
      },
      async (req) => {
        principalOf(req);
        return agencies.list(req.query);
      },
    );

    app.post(
      '/agencies',
      {
        schema: {
          tags: agencyTags,
          summary: 'Thêm cơ quan / Create agency (coordinator)',
          security,
          body: S.AgencyCreate,
          response: { 201: S.Agency, ...errors(400, 401, 403, 409, 422) },
        },
      },
      async (req, reply) => reply.code(201).send(withVersion(reply, await agencies.create(principalOf(req), req.body))),
    );

    app.get(
      '/agencies/:code',
      {
        schema: { tags: agencyTags, summary: 'Một cơ quan / One agency', security, params: CodeParam, response: { 200: S.Agency, ...errors(401, 404) } },
      },
      async (req, reply) => {
        principalOf(req);
        return withVersion(reply, await agencies.get(req.params.code));
      },
    );

    app.patch(
      '/agencies/:code',
      {
        schema: {
          tags: agencyTags,
          summary: 'Sửa cơ quan / Update agency (coordinator)',
          security,
          params: CodeParam,
          headers: IfMatchHeaders,
          body: S.AgencyPatch,
          response: { 200: S.Agency, ...errors(400, 401, 403, 404, 412, 422) },
        },
      },
      async (req, reply) => withVersion(reply, await agencies.update(principalOf(req), req.params.code, req.body, versionFromIfMatch(req.headers['if-match']))),
    );

    app.get(
      '/agencies/:code/history',
      {
        schema: {
          tags: agencyTags,
          summary: 'Lịch sử thay đổi / Change history',
          security,
          params: CodeParam,
          response: { 200: Type.Array(HistoryEntry), ...errors(401, 404) },
        },
      },
      async (req) => {
        principalOf(req);
        await agencies.get(req.params.code);
        return agencies.history(req.params.code);
      },
    );

    // ── information systems ──
    app.get(
      '/systems',
      {
        schema: {
          tags: agencyTags,
          summary: 'Hệ thống thông tin / List information systems',
          security,
          querystring: QueryString({
            agency: Type.Optional(S.AgencyCode),
            zone: Type.Optional(Type.Union([Type.Literal('internet'), Type.Literal('tslcd')])),
            status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('suspended'), Type.Literal('retired')])),
            ...Pagination,
          }),
          response: { 200: pageOf(S.InformationSystem), ...errors(400, 401) },
        },
      },
      async (req) => systems.list(principalOf(req), req.query),
    );

    app.post(
      '/systems',
      {
        schema: {
          tags: agencyTags,
          summary: 'Đăng ký hệ thống / Register a system',
          security,
          body: S.SystemCreate,
          response: { 201: S.InformationSystem, ...errors(400, 401, 403, 409, 422) },
        },
      },
      async (req, reply) => reply.code(201).send(withVersion(reply, await systems.create(principalOf(req), req.body))),
    );

    app.get(
      '/systems/:code',
      {
        schema: {
          tags: agencyTags,
          summary: 'Một hệ thống / One system',
          security,
          params: CodeParam,
          response: { 200: S.InformationSystem, ...errors(401, 404) },
        },
      },
      async (req, reply) => withVersion(reply, await systems.get(principalOf(req), req.params.code)),
    );

    app.patch(
      '/systems/:code',
      {
        schema: {
          tags: agencyTags,
          summary: 'Sửa hệ thống / Update a system',
          security,
          params: CodeParam,
          headers: IfMatchHeaders,
          body: S.SystemPatch,
          response: { 200: S.InformationSystem, ...errors(400, 401, 403, 404, 412, 422) },
        },
      },
      async (req, reply) => withVersion(reply, await systems.update(principalOf(req), req.params.code, req.body, versionFromIfMatch(req.headers['if-match']))),
    );

    app.get(
      '/systems/:code/history',
      {
        schema: {
          tags: agencyTags,
          summary: 'Lịch sử thay đổi / Change history',
          security,
          params: CodeParam,
          response: { 200: Type.Array(HistoryEntry), ...errors(401, 404) },
        },
      },
      async (req) => systems.history(principalOf(req), req.params.code),
    );

    app.post(
      '/systems/:code/security-level-decisions',
      {
        schema: {
          tags: agencyTags,
          summary: 'Ghi quyết định phê duyệt cấp độ an toàn thông tin / Record the decision approving a security level (coordinator, R-13.3)',
          security,
          params: CodeParam,
          headers: IfMatchHeaders,
          body: S.SecurityLevelDecisionCreate,
          response: { 201: S.InformationSystem, ...errors(400, 401, 403, 404, 412) },
        },
      },
      async (req, reply) =>
        reply
          .code(201)
          .send(withVersion(reply, await systems.recordDecision(principalOf(req), req.params.code, req.body, versionFromIfMatch(req.headers['if-match'])))),
    );

    app.get(
      '/systems/:code/security-level-decisions',
      {
        schema: {
          tags: agencyTags,
          summary: 'Các quyết định phê duyệt cấp độ / Decisions on the security level (R-13.3)',
          security,
          params: CodeParam,
          response: { 200: Type.Array(S.SecurityLevelDecision), ...errors(401, 404) },
        },
      },
      async (req) => systems.decisions(principalOf(req), req.params.code),
    );

    // ── users ──
    app.get(
      '/users',
      {
        schema: {
          tags: agencyTags,
          summary: 'Người dùng / List users',
          security,
          querystring: QueryString({
            agency: Type.Optional(S.AgencyCode),
            role: Type.Optional(Type.Union(ROLES.map((r) => Type.Literal(r)))),
            ...Pagination,
          }),
          response: { 200: pageOf(S.User), ...errors(400, 401, 403) },
        },
      },
      async (req) => users.list(principalOf(req), req.query),
    );

    app.post(
      '/users',
      {
        schema: {
          tags: agencyTags,
          summary: 'Tạo người dùng, trả liên kết kích hoạt / Create user, answers an enrolment link (coordinator)',
          security,
          body: S.UserCreate,
          response: { 201: S.InvitedUser, ...errors(400, 401, 403, 409, 422) },
        },
      },
      async (req, reply) => reply.code(201).send(await users.invite(principalOf(req), req.body, metaOf(req))),
    );

    const UserParam = Type.Object({ username: Type.String({ maxLength: 64 }) });
    app.get(
      '/users/:username',
      {
        schema: { tags: agencyTags, summary: 'Một người dùng / One user', security, params: UserParam, response: { 200: S.User, ...errors(401, 403, 404) } },
      },
      async (req, reply) => withVersion(reply, await users.getVisible(principalOf(req), req.params.username)),
    );

    app.get(
      '/users/:username/history',
      {
        schema: {
          tags: agencyTags,
          summary: 'Lịch sử thay đổi / Change history',
          security,
          params: UserParam,
          response: { 200: Type.Array(HistoryEntry), ...errors(401, 404) },
        },
      },
      async (req) => users.historyVisible(principalOf(req), req.params.username),
    );

    app.post(
      '/users/:username/reset-credentials',
      {
        schema: {
          tags: agencyTags,
          summary: 'Cấp lại thông tin đăng nhập qua liên kết kích hoạt / Reset credentials: a new enrolment link (coordinator)',
          security,
          params: UserParam,
          body: Type.Object({ reason: Type.String({ minLength: 3, maxLength: 500 }) }, { additionalProperties: false }),
          response: { 200: S.InvitedUser, ...errors(400, 401, 403, 404) },
        },
      },
      async (req) => users.resetCredentials(principalOf(req), req.params.username, req.body.reason, metaOf(req)),
    );

    app.patch(
      '/users/:username',
      {
        schema: {
          tags: agencyTags,
          summary: 'Sửa người dùng / Update user (coordinator)',
          security,
          params: UserParam,
          headers: IfMatchHeaders,
          body: S.UserPatch,
          response: { 200: S.User, ...errors(400, 401, 403, 404, 412, 422) },
        },
      },
      async (req, reply) =>
        withVersion(reply, await users.update(principalOf(req), req.params.username, req.body, versionFromIfMatch(req.headers['if-match']), metaOf(req))),
    );
  };
}
