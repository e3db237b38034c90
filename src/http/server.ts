import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { PROBLEMS, Problem } from '../core/errors.ts';
import { isSessionToken, takesAccessToken, unauthenticated } from './context.ts';
import { newId } from '../core/ids.ts';
import type { Platform } from '../platform.ts';
import { installMetrics } from './metrics.ts';
import { installProblemHandlers, sendProblem, toProblem } from './problems.ts';
import { lazySerializers, validatorCompiler } from './validation.ts';
import { Problem as ProblemSchema } from './schemas.ts';
import { systemRoutes } from './system-routes.ts';
import { clientErrorHandler, missingHost, nodeServerOptions, plainAnswer } from './edge.ts';
import { installTextParsers } from './text-body.ts';
import { SESSION_COOKIE, readCookie } from '../console/cookie.ts';
import { csrfRefusal } from '../console/csrf.ts';
import { consoleSessionRoutes } from '../console/session-routes.ts';
import { createConsoleServing } from '../console/static.ts';
import { refuseBeforeRouting, refuseUnparsed } from '../gateway/index.ts';
import type { Listener } from '../core/zones.ts';
import { type ZoneServers, tagZone, zoneServers } from './listeners.ts';

export interface ServerOptions {
  /** pino options, or false for silence (tests, benchmarks). */
  logger?: boolean | { level: string };
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export type App = FastifyInstance;

const securityOf = (request: FastifyRequest) => (request.routeOptions.schema as { security?: Record<string, unknown>[] } | undefined)?.security;

/** Whether the route's declared security (OpenAPI) admits no anonymous caller. */
function signInRequired(request: FastifyRequest): boolean {
  const security = securityOf(request);
  return Array.isArray(security) && security.length > 0 && security.every((s) => Object.keys(s).length > 0);
}

/** Whether the route can use a signed-in official at all: public routes (sign-in, enrolment) never look at the cookie. */
const usesSession = (request: FastifyRequest): boolean => (securityOf(request) ?? []).some((s) => Object.keys(s).length > 0);

const servers = new WeakMap<object, ZoneServers>();

export async function buildServer(platform: Platform, opts: ServerOptions = {}): Promise<App> {
  const zones = zoneServers(nodeServerOptions(platform.config));
  const beforeRouting = refuseBeforeRouting(platform.gateway);
  const unparsed = refuseUnparsed(platform.gateway);
  const app = Fastify({
    serverFactory: zones.serverFactory,
    logger: opts.logger ?? { level: platform.config.logLevel },
    bodyLimit: platform.config.bodyLimitBytes,
    // Record keys are up to 200 characters; a longer parameter is a 414 (FST_ERR_MAX_PARAM_LENGTH).
    routerOptions: { maxParamLength: 256 },
    // Requests Node's parser refuses (431, 408, 400) are answered as problems too; on /data/v1 signed and logged.
    clientErrorHandler: clientErrorHandler((r) => (r.url?.startsWith('/data/v1') ? unparsed(r) : Promise.resolve(plainAnswer(r.problem, r.url ?? '/')))),
    // A caller's request id is kept (tracing across systems) when it is well-formed.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : newId();
    },
    return503OnClosing: true,
    schemaController: { compilersFactory: lazySerializers() },
    // Errors Fastify raises before routing (a malformed URL…) are problems too.
    frameworkErrors: (err, request, reply) =>
      request.url.startsWith('/data/v1') ? beforeRouting(err, request, reply) : sendProblem(request, reply, toProblem(err)),
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  installTextParsers(app);
  app.decorateRequest('principal', null);
  app.addSchema(ProblemSchema);
  const webConsole = createConsoleServing(platform.config.consoleDir);
  installProblemHandlers(app, webConsole.fallback);

  // Callback style, not async: a request with no session to look up (the data plane's) then
  // costs no promise here.
  app.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', String(request.id));
    void reply.header('x-content-type-options', 'nosniff');
    void reply.header('referrer-policy', 'no-referrer');
    const noHost = missingHost(request.raw.httpVersion, request.headers.host);
    if (noHost) return done(noHost);
    const auth = request.headers.authorization;
    // The data gateway, OAuth and the rest never take the console's cookie: tokens only there.
    if (!request.url.startsWith('/api/')) return done();
    if (!auth) {
      const cookie = usesSession(request) ? readCookie(request.headers.cookie, SESSION_COOKIE) : undefined;
      // A route whose OpenAPI security needs a signed-in official refuses an anonymous caller here,
      // on the headers, before any of its body is read.
      if (!cookie) return done(signInRequired(request) ? unauthenticated() : undefined);
      platform.registry.auth.authenticate(cookie).then(
        (principal) => {
          // R-13.3: a change made with the browser's cookie must prove it comes from the console (CSRF).
          const refusal = csrfRefusal(request, cookie, platform.config.publicUrl);
          if (refusal) return done(refusal);
          request.principal = principal;
          done();
        },
        (err: unknown) => {
          // A stale cookie does not stand in the way of a route that also serves anonymous callers.
          const stale = err instanceof Problem && err.status === 401 && !signInRequired(request);
          done(stale ? undefined : (err as Error));
        },
      );
      return;
    }
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    if (!m)
      return done(
        new Problem(PROBLEMS.unauthenticated, {
          detail: 'Tiêu đề Authorization phải có dạng "Bearer <token>".',
          detail_en: 'The Authorization header must be "Bearer <token>".',
        }),
      );
    // A connection account's access token, on a route that takes one, is the route's to check.
    if (takesAccessToken(request) && !isSessionToken(m[1]!)) return done();
    platform.registry.auth.authenticate(m[1]!).then((principal) => {
      request.principal = principal;
      done();
    }, done);
  });

  await app.register(swagger, {
    // Shared schemas keep their $id as their name in components.schemas.
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Liên Thông API',
        version: '1',
        description:
          'Nền tảng kết nối, chia sẻ dữ liệu theo Quy định 384-QĐ/TW. / Data connection and sharing platform of Regulation 384-QĐ/TW. Errors are RFC 9457 application/problem+json with Vietnamese `title` and English `title_en`.',
      },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer' },
          consoleCookie: {
            type: 'apiKey',
            in: 'cookie',
            name: 'lt_session',
            description:
              'Phiên của bảng điều khiển (POST /api/v1/console/session); được chấp nhận trên mọi đường dẫn /api/ thay cho bearer, không trên /data/v1; yêu cầu POST/PUT/PATCH/DELETE phải kèm X-CSRF-Token / ' +
              "The console's session cookie (POST /api/v1/console/session): accepted on every /api/ route in place of the bearer token, never on /data/v1; POST, PUT, PATCH and DELETE must carry X-CSRF-Token.",
          },
        },
      },
      // Each module's tags, in module order; the server's own last.
      tags: [...platform.modules.flatMap((m) => m.tags ?? []), { name: 'system', description: 'Vận hành / Operations' }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', deepLinking: true } });

  installMetrics(app);
  await app.register(systemRoutes(platform));
  await app.register(webConsole.routes);
  // The console's sign-in is the HTTP layer's own (a cookie over the registry's sessions).
  await app.register(consoleSessionRoutes(platform.registry, platform.config.publicUrl), { prefix: '/api/v1' });
  for (const m of platform.modules) for (const r of m.routes ?? []) await app.register(r.plugin, { prefix: r.prefix });
  app.addHook('onClose', () => zones.close());
  await app.ready();
  servers.set(app, zones);
  return app;
}

/**
 * Listens on every configured address (R-12.2): the first through Fastify, the others as more
 * servers on the same application; each connection is tagged with its listener's zone.
 * Returns the addresses actually bound (port 0 picks a free port).
 */
export async function listenAll(app: App, listeners: Listener[]): Promise<{ zone: Listener['zone']; url: string }[]> {
  const zones = servers.get(app);
  if (!zones || listeners.length === 0) throw new Error('listenAll: server not built by buildServer, or no listener');
  const [first, ...rest] = listeners;
  tagZone(app.server, first!.zone);
  await app.listen({ host: first!.host, port: first!.port });
  const bound = [{ zone: first!.zone, address: app.server.address() }];
  for (const l of rest) bound.push({ zone: l.zone, address: (await zones.listen(l)).address() });
  return bound.map(({ zone, address }) => {
    const a = address as import('node:net').AddressInfo;
    const host = a.address === '0.0.0.0' || a.address === '::' ? '127.0.0.1' : a.address;
    return { zone, url: `http://${host.includes(':') ? `[${host}]` : host}:${a.port}` };
  });
}
