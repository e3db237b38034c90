import type { Readable } from 'node:stream';
import { PROBLEMS, Problem, forbidden, notFound } from '../core/errors.ts';
import { type CryptoProvider, encryptFor } from '../core/crypto.ts';
import { createCache } from '../core/cache.ts';
import type { Clock } from '../core/clock.ts';
import type { Queryable } from '../db/database.ts';
import type { AccessTokenInfo, Accounts } from '../accounts/index.ts';
import type { Agreements } from '../agreements/index.ts';
import type { Catalog } from '../catalog/index.ts';
import type { Dataset, ResolvedField } from '../catalog/index.ts';
import type { Ledger } from '../ledger/index.ts';
import type { Registry } from '../registry/index.ts';
import type { Sync } from '../sync/index.ts';
import type { RecordWrite, WriteResult } from '../sync/index.ts';
import {
  type Exchange,
  type GatewayRequest,
  type GatewayResponse,
  type LogAppend,
  type Outcome,
  type Form,
  type StreamedResponse,
  LogWriteFailed,
  jsonOutcome,
  logFailure,
  problemOutcome,
  release,
  signedOnly,
} from './exchange.ts';
import { createProxy } from './proxy.ts';
import { type ResponseSigner, eachSigner, responseSigner } from './response-signatures.ts';
import type { ResponseSignatures } from '../core/config.ts';
import type { ExportStore } from './export-store.ts';
import { createExports } from './exports.ts';
import { createFeedReads, requireHosted } from './feeds.ts';
import { type PushSubject, createPushes } from './pushes.ts';
import { STREAM_DEFAULTS, type StreamOpening, type StreamOptions, createStreams } from './streams.ts';
import { type RateLimiters, rateLimiters } from '../core/rate-limit.ts';
import { createUnidentifiedRefusals } from './unidentified.ts';
import { createRecordReader } from './record-reads.ts';
import { type ShapePlan, coversAll, shapePlan, shapeRecord, shapeUpstreamJson } from './shaping.ts';
import type { UpstreamService } from './upstreams.ts';
import type { ServiceBlock } from '../lifecycle/index.ts';
import { formatVietnamTime } from '../core/time.ts';
import { newId } from '../core/ids.ts';
import type { Zone } from '../core/zones.ts';

export interface GatewayDeps {
  catalog: Catalog;
  sync: Sync;
  agreements: Agreements;
  accounts: Accounts;
  registry: Registry;
  ledger: Ledger;
  upstreams: UpstreamService;
  /** Signs responses (R-5.3) and upstream JWTs; its public key is in /.well-known/jwks.json. */
  signer: CryptoProvider;
  /** Durable append outside a transaction (reads); throws when the entry is not queued. */
  append: LogAppend;
  /** Any error as the problem it answers (the HTTP layer's mapping: the gateway service never imports it). */
  problemOf(err: unknown): Problem;
  /** R-15.1: whether the dataset's service is stopped for everyone right now (the lifecycle module). */
  serviceBlock(dataset: string, at: Date): Promise<ServiceBlock | null>;
  /** Prepared bulk exports (exports.ts). */
  exports: ExportStore;
}

export interface GatewayOptions {
  /** Requests per second per connection account (burst: twice that). */
  ratePerSecond: number;
  /** Refusals of unidentified callers logged one by one, per second and client address (unidentified.ts). */
  unidentifiedPerSecond: number;
  /** Where exchanges naming no known dataset are logged: the coordinator's own log. */
  coordinatorLog: string;
  maxResponseBytes: number;
  issuer: string;
  /** Event streams' timings (streams.ts); defaults when not given. */
  streams?: Partial<StreamOptions> | undefined;
  /** Where the limits' buckets are kept: shared by every instance through Redis, or in this process (the default). */
  limits?: RateLimiters | undefined;
  /** How HTTP answers are signed (docs/batch-signatures.md); `each` when not given. */
  responseSignatures?: ResponseSignatures | undefined;
  /** The platform's address on the dedicated network, which calls fetching secret data leave from (R-12.2); none when null. */
  tslcdEgress?: string | null | undefined;
}

/** A write whose caller may write the dataset (`admitWrite`): its body may now be read. */
export interface WriteAdmission {
  ex: Exchange;
  view: DatasetView;
  token: AccessTokenInfo;
}

export interface DatasetView {
  dataset: Dataset;
  fields: ResolvedField[];
  secret: boolean;
}

/** A read decided: the dataset, who asks (null for open data without a token) and what of it may leave. */
export interface Authorized {
  view: DatasetView;
  token: AccessTokenInfo | null;
  /** The consumer system the answer is for (its key encrypts secret data): the token's, or a scheduled delivery's. */
  system: string | null;
  plan: ShapePlan;
}

/** Who a scheduled delivery (R-6.1c) is for: the consumer system of the agreement, on the zone it is registered in. */
export interface DeliveryParty {
  /** The schedule: named in the log entry as the requester's account. */
  schedule: string;
  agency: string;
  system: string;
  purpose: string;
  zone: Zone;
  /** The consumer's endpoint, named in the entry's request. */
  endpoint: string;
}

const SECRET = new Set(['secret', 'top_secret']);
/** How often the counted refusals of unidentified callers are written as summary entries. */
const SUMMARY_PERIOD_MS = 10_000;

function tooManyUnidentified(wait: number): Problem {
  return new Problem(PROBLEMS.tooManyRequests, {
    detail: `Quá nhiều yêu cầu không xác định được danh tính từ địa chỉ này; thử lại sau ${wait} giây.`,
    detail_en: `Too many requests without a valid identity from this address; retry in ${wait} s.`,
    headers: { 'retry-after': String(wait) },
  });
}
const MAX_LIST_LIMIT = 1000;
const RESERVED_QUERY = new Set(['limit', 'cursor', 'fields']);

/** The data plane (R-3.3, R-6.1): authenticate, decide, fetch, shape, protect, log — every exchange. */
export function createGateway(clock: Clock, deps: GatewayDeps, opts: GatewayOptions) {
  const limits = opts.limits ?? rateLimiters();
  const limiter = limits('gateway', opts.ratePerSecond);
  const unidentified = createUnidentifiedRefusals({
    limiter: limits('unidentified', opts.unidentifiedPerSecond, opts.unidentifiedPerSecond * 5),
    append: deps.append,
    now: () => clock.now(),
  });
  const summaries = setInterval(() => void unidentified.flush(), SUMMARY_PERIOD_MS);
  summaries.unref();
  const proxy = createProxy({
    crypto: deps.signer,
    issuer: opts.issuer,
    maxResponseBytes: opts.maxResponseBytes,
    now: () => clock.now(),
    tslcdEgress: opts.tslcdEgress ?? null,
  });
  const crypto = deps.signer;
  // HTTP answers are signed as configured; what the platform sends itself (push deliveries, stream
  // events, scheduled deliveries) carries its own detached JWS, whose formats name that header.
  const answers = responseSigner(crypto, opts.responseSignatures ?? 'each');
  const each = eachSigner(crypto);
  const now = () => clock.now();
  const records = createRecordReader((wanted) => deps.sync.records.readLiveMany(wanted));

  // Datasets change rarely; the gateway reads each at most once a second (like the account status cache).
  const views = createCache<string, DatasetView>({ max: 10_000, ttlMs: 1000 });
  const loadView = async (code: string): Promise<DatasetView> => {
    const dataset = await deps.catalog.datasets.get(code);
    return { dataset, fields: await deps.catalog.dictionary.resolve(dataset.sharing_spec), secret: SECRET.has(dataset.classification) };
  };
  const datasetView = (code: string): Promise<DatasetView> => views.get(code, loadView);
  // The zone a subscriber system is registered in (R-12.2), for push deliveries: read at most once a second too.
  const zones = createCache<string, Zone>({ max: 10_000, ttlMs: 1000 });
  const loadZone = async (system: string): Promise<Zone> => (await deps.registry.systems.byCode(system)).zone;

  function begin(req: GatewayRequest, form: Form): Exchange {
    return {
      req,
      form,
      requestedAt: clock.now(),
      dataset: null,
      log: opts.coordinatorLog,
      requester: { agency: null, system: null, account: null },
      fields: [],
      recordKeys: [],
      agreementIds: [],
      policyVersion: null,
      keepContent: false,
    };
  }

  /** Runs one exchange: whatever `work` answers — data or a refusal — is signed, logged, then released. */
  async function exchange(req: GatewayRequest, form: Form, work: (ex: Exchange) => Promise<Outcome>, signer = answers): Promise<GatewayResponse> {
    const ex = begin(req, form);
    let outcome: Outcome;
    try {
      outcome = await work(ex);
    } catch (err) {
      outcome = problemOutcome(deps.problemOf(err), req);
    }
    return settle(ex, outcome, signer);
  }

  /** Signs and logs the outcome; a refusal of an unidentified caller over its address's bound is signed and counted instead (unidentified.ts). */
  async function settle(ex: Exchange, outcome: Outcome, signer: ResponseSigner = answers): Promise<GatewayResponse> {
    // (4xx only: a 503 while the database is away is the platform's state, not the caller's doing)
    if (outcome.status >= 400 && outcome.status < 500 && ex.requester.account === null) {
      const wait = await unidentified.take(ex.req.ip);
      if (wait > 0) {
        unidentified.count(ex, outcome.status);
        return signedOnly(problemOutcome(tooManyUnidentified(wait), ex.req), signer);
      }
    }
    return release(ex, outcome, signer, deps.append, now);
  }

  async function enter(ex: Exchange, code: string): Promise<DatasetView> {
    const view = await datasetView(code).catch((err) => {
      if (err instanceof Problem && err.status === 404) throw notFound('bộ dữ liệu', 'dataset', code);
      throw err;
    });
    ex.dataset = code;
    ex.log = view.dataset.custodian_code; // R-17.1: each custodian keeps its own log
    ex.keepContent = view.dataset.sharing_spec.log_content === true;
    return view;
  }

  /** R-14.1: a connection-account token, unless the dataset is open data. */
  async function authenticate(ex: Exchange, required: boolean): Promise<AccessTokenInfo | null> {
    const header = ex.req.authorization;
    if (!header) {
      if (!required) return null;
      throw new Problem(PROBLEMS.unauthenticated, {
        rule: 'R-14.1',
        detail: 'Cần mã truy cập của tài khoản kết nối: Authorization: Bearer <token> (POST /oauth/token).',
        detail_en: 'A connection-account access token is required: Authorization: Bearer <token> (POST /oauth/token).',
        headers: { 'www-authenticate': 'Bearer realm="lienthong"' },
      });
    }
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m)
      throw new Problem(PROBLEMS.unauthenticated, {
        detail: 'Tiêu đề Authorization phải có dạng "Bearer <token>".',
        detail_en: 'The Authorization header must be "Bearer <token>".',
        headers: { 'www-authenticate': 'Bearer realm="lienthong"' },
      });
    const token = await deps.accounts.verifyAccessToken(m[1]!);
    ex.requester = { agency: token.agency, system: token.system, account: token.client_id };
    return token;
  }

  /** One account cannot take the service from the others (an operating limit, not a rule of the regulation: no `rule`). */
  async function throttle(ex: Exchange, token: AccessTokenInfo | null): Promise<void> {
    const wait = await limiter.take(token ? `account:${token.client_id}` : `ip:${ex.req.ip}`);
    if (wait > 0) {
      throw new Problem(PROBLEMS.tooManyRequests, {
        detail: `Vượt giới hạn ${opts.ratePerSecond} yêu cầu/giây của tài khoản kết nối; thử lại sau ${wait} giây.`,
        detail_en: `Over the limit of ${opts.ratePerSecond} requests/second per connection account; retry in ${wait} s.`,
        headers: { 'retry-after': String(wait) },
      });
    }
  }

  /** Steps 1–2 for a read: who asks, and what of the dataset they may have. */
  async function authorizeRead(ex: Exchange, code: string, asked: string[] | undefined, negotiate = true, throttled = true): Promise<Authorized> {
    const view = await enter(ex, code);
    // (a custodian service's own paths may answer other types: those pass as they come, see viaProxy)
    if (negotiate) requireAcceptable(ex.req.accept, view.secret);
    const token = await authenticate(ex, view.dataset.auth_required);
    // (a stream's batches are paced by the feed, not asked for: its opening was counted)
    if (throttled) await throttle(ex, token);
    if (token && view.dataset.auth_required && !token.scopes.includes(code)) {
      throw forbidden('Mã truy cập không bao gồm bộ dữ liệu này (phạm vi "scope").', 'The access token does not cover this dataset (scope).', 'R-4.2');
    }
    return decideRead(ex, view, token, token?.system ?? null, asked);
  }

  /** The service stop (R-15.1) and the one decision function of agreements, for whoever reads. */
  async function decideRead(
    ex: Exchange,
    view: DatasetView,
    token: AccessTokenInfo | null,
    system: string | null,
    asked: string[] | undefined,
  ): Promise<Authorized> {
    await refuseIfStopped(view.dataset.code);
    // The one decision function (agreements): grant, purpose (R-5.2), fields, validity, security level (R-13.3), zone (R-12.2), consumer suspension (R-15.2).
    const d = await deps.agreements.decide({
      system: system ?? '',
      dataset: view.dataset.code,
      purpose: ex.req.purpose,
      fields: asked,
      zone: ex.req.zone,
      at: clock.now(),
    });
    ex.policyVersion = d.policy_version;
    if (!d.allow) throw forbidden(d.reason, d.reason_en, d.rule);
    ex.fields = d.fields;
    ex.agreementIds = d.agreement_ids;
    return { view, token, system, plan: shapePlan(view.fields, d.fields) };
  }

  /**
   * A scheduled delivery's read (R-6.1c): no token — the platform reads for the agreement's
   * consumer system, decided exactly as that system's own read on its registered zone would be.
   */
  async function authorizeDelivery(ex: Exchange, code: string, party: DeliveryParty): Promise<Authorized> {
    const view = await enter(ex, code);
    ex.requester = { agency: party.agency, system: party.system, account: `schedule:${party.schedule}` };
    return decideRead(ex, view, null, party.system, undefined);
  }

  /** An exchange the platform makes itself (a scheduled delivery): signed and logged like any other, never counted as an unidentified caller's. */
  async function ownExchange(req: GatewayRequest, form: Form, work: (ex: Exchange) => Promise<Outcome>): Promise<GatewayResponse> {
    const ex = begin(req, form);
    let outcome: Outcome;
    try {
      outcome = await work(ex);
    } catch (err) {
      outcome = problemOutcome(deps.problemOf(err), req);
    }
    return release(ex, outcome, each, deps.append, now);
  }

  /**
   * Steps 1–2 for a push delivery (pushes.ts): no token travels, so the subscription's account must
   * still be active (R-14.1, R-16) and the decision is made again for the subscriber's system, in
   * the zone the system is registered in (R-12.2: secret data only to a tslcd system).
   */
  async function authorizePush(ex: Exchange, s: PushSubject, zone: Zone): Promise<Authorized> {
    const view = await enter(ex, s.dataset);
    ex.requester = { agency: s.agency, system: s.system, account: s.account };
    if (!(await deps.accounts.isActive(s.account)))
      throw new Problem(PROBLEMS.unauthenticated, {
        rule: 'R-14.1',
        detail: 'Tài khoản kết nối đã bị thu hồi.',
        detail_en: 'The connection account has been revoked.',
      });
    await refuseIfStopped(s.dataset);
    const d = await deps.agreements.decide({
      system: s.system,
      dataset: s.dataset,
      purpose: s.purpose ?? undefined,
      fields: s.fields ?? undefined,
      zone,
      at: clock.now(),
    });
    ex.policyVersion = d.policy_version;
    if (!d.allow) throw forbidden(d.reason, d.reason_en, d.rule);
    ex.fields = d.fields;
    ex.agreementIds = d.agreement_ids;
    // Only `system` of the token is used past this point (protect: whose key to encrypt to).
    const token: AccessTokenInfo = { client_id: s.account, system: s.system, agency: s.agency, scopes: [s.dataset], exp: new Date(8.64e15), jti: 'push' };
    return { view, token, system: s.system, plan: shapePlan(view.fields, d.fields) };
  }

  /** The caller's token and its scope for the dataset, without a decision on the data (nothing is read). */
  async function identify(ex: Exchange, code: string): Promise<Authorized> {
    const view = await enter(ex, code);
    const token = await authenticate(ex, true);
    await throttle(ex, token);
    if (token && !token.scopes.includes(code))
      throw forbidden('Mã truy cập không bao gồm bộ dữ liệu này (phạm vi "scope").', 'The access token does not cover this dataset (scope).', 'R-4.2');
    return { view, token, system: token?.system ?? null, plan: shapePlan(view.fields, []) };
  }

  /** R-15.3, R-15.4: while a service is stopped for everyone, every consumer gets 503 with the notice and the expected restoration. */
  async function refuseIfStopped(code: string): Promise<void> {
    const block = await deps.serviceBlock(code, clock.now());
    if (!block) return;
    const until = block.expected_restore_at;
    const wait = until ? Math.max(1, Math.ceil((until.getTime() - clock.now().getTime()) / 1000)) : 300;
    const notice = block.notice_reference ? ` (thông báo ${block.notice_reference})` : '';
    throw new Problem(PROBLEMS.unavailable, {
      rule: block.kind === 'planned' ? 'R-15.3' : 'R-15.4',
      detail: `Dịch vụ cung cấp bộ dữ liệu đang tạm ngừng${block.kind === 'planned' ? ' để nâng cấp, bảo trì' : ' do sự cố bất khả kháng'}${notice}.${until ? ` Dự kiến khôi phục lúc ${formatVietnamTime(until)}.` : ''}`,
      detail_en: `The dataset's service is suspended${block.kind === 'planned' ? ' for maintenance' : ' by force majeure'}${block.notice_reference ? ` (notice ${block.notice_reference})` : ''}.${until ? ` Expected back at ${until.toISOString()}.` : ''}`,
      headers: { 'retry-after': String(wait) },
      extra: { notice_reference: block.notice_reference, expected_restore_at: until?.toISOString() ?? null },
    });
  }

  /** Step 5: secret and top-secret content is readable only with the consumer system's private key (R-4.7, R-11). */
  async function protect(view: DatasetView, systemCode: string | null, status: number, value: unknown): Promise<Outcome> {
    const json = jsonOutcome(status, value);
    if (!view.secret) return json;
    const system = systemCode ? await deps.registry.systems.byCode(systemCode) : null;
    if (!system?.encryption_key)
      throw forbidden(
        'Hệ thống khai thác chưa đăng ký khoá mã hoá; dữ liệu mật không được gửi.',
        'The consumer system has no registered encryption key; secret data is not sent.',
        'R-11',
      );
    const jwe = await encryptFor(system.encryption_key, json.body, { cty: 'application/json', dataset: view.dataset.code });
    return { status, contentType: 'application/jose', body: Buffer.from(jwe) };
  }

  function askedFields(q: Record<string, string>): string[] | undefined {
    if (q.fields === undefined) return undefined;
    return [
      ...new Set(
        q.fields
          .split(',')
          .map((f) => f.trim())
          .filter(Boolean),
      ),
    ];
  }

  async function upstream(view: DatasetView) {
    const svc = await deps.upstreams.forDataset(view.dataset.code);
    if (!svc)
      throw new Problem(PROBLEMS.badGateway, {
        detail: 'Cơ quan chủ quản chưa khai báo dịch vụ cung cấp bộ dữ liệu này.',
        detail_en: 'The custodian has not registered the service for this dataset.',
      });
    return svc;
  }

  /** Forwards to the custodian's service and shapes its answer like a hosted one (R-6.1b). */
  async function viaProxy(
    ex: Exchange,
    a: Authorized,
    method: string,
    path: string,
    query: Record<string, string>,
    body?: { stream: Readable; contentType: string | undefined },
  ): Promise<Outcome> {
    const answer = await proxy.forward(await upstream(a.view), {
      method,
      path,
      query,
      body: body?.stream,
      contentType: body?.contentType,
      consumerSystem: a.token?.system ?? null,
      purpose: ex.req.purpose,
      traceId: ex.req.traceId,
      secret: a.view.secret,
    });
    if (answer.status >= 400) {
      // The service's own error body is not passed on: it is not a record and could carry anything.
      throw new Problem(
        {
          ...PROBLEMS.badRequest,
          status: answer.status,
          slug: 'upstream-refused',
          title: 'Dịch vụ của cơ quan chủ quản từ chối yêu cầu',
          title_en: 'The custodian service refused the request',
        },
        {
          detail: `Dịch vụ của cơ quan chủ quản trả lời ${answer.status}.`,
          detail_en: `The custodian service answered ${answer.status}.`,
        },
      );
    }
    if (/^application\/([a-z.+-]*\+)?json\b/i.test(answer.contentType)) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(answer.body.toString('utf8'));
      } catch {
        throw new Problem(PROBLEMS.badGateway, { detail: 'Dịch vụ trả về JSON không hợp lệ.', detail_en: 'The custodian service returned malformed JSON.' });
      }
      const shaped = shapeUpstreamJson(parsed, a.plan);
      if (shaped === null)
        throw new Problem(PROBLEMS.badGateway, {
          rule: 'R-8.2',
          detail: 'Không lọc được câu trả lời của dịch vụ theo các trường được cấp.',
          detail_en: 'The custodian answer cannot be shaped to the granted fields.',
        });
      return protect(a.view, a.system, answer.status, shaped);
    }
    // Content that cannot be shaped leaves only when the grant covers every field of the dataset.
    if (!coversAll(a.plan, a.view.fields) || a.view.secret) {
      throw new Problem(PROBLEMS.badGateway, {
        rule: 'R-8.2',
        detail: 'Câu trả lời không phải JSON nên không lọc được theo các trường được cấp.',
        detail_en: 'The answer is not JSON, so it cannot be shaped to the granted fields.',
      });
    }
    return { status: answer.status, contentType: answer.contentType, body: answer.body };
  }

  function decodeCursor(cursor: string | undefined): string | undefined {
    if (cursor === undefined) return undefined;
    const key = Buffer.from(cursor, 'base64url').toString('utf8');
    if (!/^[A-Za-z0-9._:-]{1,200}$/.test(key))
      throw new Problem(PROBLEMS.badRequest, { detail: 'Con trỏ phân trang không hợp lệ.', detail_en: 'Invalid pagination cursor.' });
    return key;
  }

  /**
   * Who writes, decided on the headers alone (R-4.1, R-12.2, R-14.1), before any of the body is
   * read: a caller who may not write is refused — signed and logged — without the platform reading
   * (or parsing) what it sent. An admitted write goes on with `commitWrite`.
   */
  async function admitWrite(req: GatewayRequest, code: string): Promise<{ admitted: WriteAdmission } | { refused: GatewayResponse }> {
    const ex = begin(req, 'sync');
    try {
      const view = await enter(ex, code);
      const token = (await authenticate(ex, true))!;
      await throttle(ex, token);
      // R-4.1: the custodian's systems, or a producer's the custodian authorised (its scope is checked record by record on commit).
      await deps.sync.records.mayProduce(code, token.agency, token.system);
      const system = await deps.registry.systems.byCode(token.system);
      if (system.sharing_refusal) throw forbidden(system.sharing_refusal.reason, system.sharing_refusal.reason_en, system.sharing_refusal.rule);
      if (view.secret && req.zone !== 'tslcd')
        throw forbidden(
          'Dữ liệu mật, tối mật chỉ được truyền qua mạng truyền số liệu chuyên dùng.',
          'Secret data travels on the dedicated data network only.',
          'R-12.2',
        );
      return { admitted: { ex, view, token } };
    } catch (err) {
      return { refused: await settle(ex, problemOutcome(deps.problemOf(err), req)) };
    }
  }

  /**
   * Writes by the custodian's own systems or an authorised producer's (R-4.1, R-6.1a): validated,
   * versioned, all-or-nothing, logged in the same transaction; the versions and the log entry name
   * the producing agency.
   */
  async function commitWrite(admission: WriteAdmission, writes: RecordWrite[]): Promise<GatewayResponse> {
    const { ex, view, token } = admission;
    ex.recordKeys = writes.map((w) => w.key).slice(0, 5000);
    ex.fields = view.fields.map((f) => f.name);
    try {
      const producer = { agency: token.agency, system: token.system };
      return await deps.sync.records.writeAs(
        `system:${token.system}`,
        view.dataset.code,
        writes,
        (tx: Queryable, result: WriteResult) => {
          ex.producerAgency = token.agency;
          return release(ex, jsonOutcome(200, result), answers, strictAppend(tx), now);
        },
        producer,
      );
    } catch (err) {
      if (err instanceof LogWriteFailed) return logFailure(ex.req, err.cause);
      delete ex.producerAgency; // nothing was stored: the refusal names no producer
      return release(ex, problemOutcome(deps.problemOf(err), ex.req), answers, deps.append, now);
    }
  }

  async function write(req: GatewayRequest, code: string, writes: RecordWrite[]): Promise<GatewayResponse> {
    const admission = await admitWrite(req, code);
    return 'refused' in admission ? admission.refused : commitWrite(admission.admitted, writes);
  }

  /** Inside the write's transaction a failed append must fail the transaction: the data is then not written. */
  function strictAppend(tx: Queryable): LogAppend {
    return async (log, entry, content) => {
      try {
        return await deps.ledger.append(tx, log, entry, content);
      } catch (err) {
        throw new LogWriteFailed(err);
      }
    };
  }

  /** One exchange whose success is streamed (an export's download): a refusal is signed and logged as any other. */
  async function streamed(
    req: GatewayRequest,
    form: Form,
    work: (ex: Exchange) => Promise<StreamedResponse | GatewayResponse>,
  ): Promise<StreamedResponse | GatewayResponse> {
    const ex = begin(req, form);
    try {
      return await work(ex);
    } catch (err) {
      return settle(ex, problemOutcome(deps.problemOf(err), req));
    }
  }

  // The feed, the snapshot and exports go through this same pipeline (feeds.ts, exports.ts).
  const pipeline = {
    exchange,
    streamed,
    authorizeRead,
    askedFields,
    protect: (a: Authorized, status: number, value: unknown) => protect(a.view, a.system, status, value),
    ownExchange,
    authorizeDelivery,
  };
  const feedReads = createFeedReads(pipeline, deps.sync.feed);
  const pushes = createPushes({
    begin,
    authorizePush,
    protect: pipeline.protect,
    release: (ex, outcome) => release(ex, outcome, each, deps.append, now),
    zoneOf: (system) => zones.get(system, loadZone),
  });
  const streams = createStreams(
    {
      ...pipeline,
      exchange: (req, form, work) => exchange(req, form, work, each), // an event's evidence line names the JWS
      changesPage: feedReads.changesPage,
      async recheck(req, code) {
        await authorizeRead(begin(req, 'push'), code, askedFields(req.query), false, false);
      },
      async opening(req, work) {
        const ex = begin(req, 'push');
        try {
          return await work(ex);
        } catch (err) {
          return settle(ex, problemOutcome(deps.problemOf(err), req));
        }
      },
    },
    { feed: deps.sync.feed, notifier: deps.sync.notifier, options: { ...STREAM_DEFAULTS, ...opts.streams } },
  );
  const exportReads = createExports(pipeline, { feed: deps.sync.feed, store: deps.exports, signer: crypto, append: deps.append, now });

  const { changesPage: _page, ...feedRoutes } = feedReads;
  return {
    ...feedRoutes,
    ...exportReads,
    ...pushes,
    /**
     * A subscription's management call (docs/push.md) as an exchange of form `push`: the consumer's
     * token and the decision for the fields it asks, then `work`; answered signed and logged.
     */
    manageSubscription(
      req: GatewayRequest,
      code: string,
      fields: string[] | undefined,
      work: (a: Authorized & { token: AccessTokenInfo }) => Promise<{ status: number; value: unknown }>,
      opts: { decide: boolean } = { decide: true },
    ): Promise<GatewayResponse> {
      return exchange(req, 'push', async (ex) => {
        // Reading or deleting one's own subscriptions moves no data: the token (R-14.1) and its scope
        // suffice, so a suspended consumer still sees why its deliveries stopped.
        const a = opts.decide ? await authorizeRead(ex, code, fields, false) : await identify(ex, code);
        if (!a.token)
          throw new Problem(PROBLEMS.unauthenticated, {
            rule: 'R-14.1',
            detail: 'Cần mã truy cập của tài khoản kết nối để đăng ký nhận dữ liệu.',
            detail_en: 'A connection-account access token is required to subscribe.',
            headers: { 'www-authenticate': 'Bearer realm="lienthong"' },
          });
        requireHosted(a);
        const r = await work({ ...a, token: a.token });
        return jsonOutcome(r.status, r.value);
      });
    },
    /** GET /data/v1/{dataset}/stream: server-sent events of the change feed (streams.ts). */
    stream: (req: GatewayRequest, code: string): Promise<StreamOpening | GatewayResponse> => streams.stream(req, code),
    /** GET /data/v1/{dataset}/records/{key} */
    readRecord(req: GatewayRequest, code: string, key: string): Promise<GatewayResponse> {
      return exchange(req, 'api', async (ex) => {
        ex.recordKeys = [key];
        const a = await authorizeRead(ex, code, askedFields(req.query));
        if (a.view.dataset.mode === 'proxy') return viaProxy(ex, a, 'GET', `/records/${encodeURIComponent(key)}`, req.query);
        const record = await records.read(code, key);
        if (!record?.data) throw notFound('bản ghi', 'record', key);
        return protect(a.view, a.system, 200, {
          dataset: code,
          key,
          version: record.version,
          updated_at: record.written_at,
          data: shapeRecord(record.data, a.plan),
        });
      });
    },

    /** GET /data/v1/{dataset}/records?limit=&cursor=&fields=&<granted field>=<value>… */
    listRecords(req: GatewayRequest, code: string): Promise<GatewayResponse> {
      return exchange(req, 'api', async (ex) => {
        const a = await authorizeRead(ex, code, askedFields(req.query));
        if (a.view.dataset.mode === 'proxy') return viaProxy(ex, a, 'GET', '/records', req.query);
        const limit = req.query.limit === undefined ? 100 : Number(req.query.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT)
          throw new Problem(PROBLEMS.badRequest, { detail: `limit phải từ 1 đến ${MAX_LIST_LIMIT}.`, detail_en: `limit must be 1 to ${MAX_LIST_LIMIT}.` });
        const where = Object.fromEntries(Object.entries(req.query).filter(([k]) => !RESERVED_QUERY.has(k)));
        // Filtering on a field one may not read would reveal it one guess at a time (R-8.2).
        const hidden = Object.keys(where).filter((f) => !a.plan.whole.has(f));
        if (hidden.length)
          throw forbidden(
            `Chỉ lọc được theo các trường được cấp; không được: ${hidden.join(', ')}.`,
            `Filters only on granted fields; not: ${hidden.join(', ')}.`,
            'R-8.2',
          );
        const rows = await deps.sync.records.listLive(code, { where, limit, after: decodeCursor(req.query.cursor) });
        ex.recordKeys = rows.map((r) => r.key);
        const items = rows.map((r) => ({ key: r.key, version: r.version, updated_at: r.written_at, data: shapeRecord(r.data ?? {}, a.plan) }));
        const next = rows.length === limit ? Buffer.from(rows.at(-1)!.key).toString('base64url') : null;
        return protect(a.view, a.system, 200, { dataset: code, items, next_cursor: next });
      });
    },

    /** Any GET/POST under /data/v1/{dataset}/service/… of a proxy dataset, forwarded as is (R-6.1b). */
    forward(req: GatewayRequest, code: string, suffix: string, body?: { stream: Readable; contentType: string | undefined }): Promise<GatewayResponse> {
      return exchange(req, 'api', async (ex) => {
        const a = await authorizeRead(ex, code, askedFields(req.query), false);
        if (a.view.dataset.mode !== 'proxy') throw notFound('dịch vụ', 'service', code);
        return viaProxy(ex, a, req.method, `/${suffix}`, req.query, body);
      });
    },

    /**
     * R-6.1c: one page of a scheduled pull from the custodian's registered service — the platform's
     * own call, through the same timeout, circuit breaker and platform JWT as proxied reads.
     */
    async pullPage(code: string, query: Record<string, string>): Promise<{ status: number; contentType: string; body: Buffer }> {
      const view = await datasetView(code);
      const svc = await upstream(view);
      return proxy.forward(svc, { method: 'GET', path: '/records', query, consumerSystem: null, purpose: undefined, traceId: newId(), secret: view.secret });
    },

    admitWrite,
    commitWrite,
    deleteRecord: (req: GatewayRequest, code: string, key: string) => write(req, code, [{ key, delete: true }]),

    /** A request refused before its handler ran (malformed body or parameters): logged like any other, to the dataset's custodian when known. */
    refuse: (req: GatewayRequest, form: Form, dataset: string | undefined, err: unknown) =>
      exchange(req, form, async (ex) => {
        if (dataset)
          await enter(ex, dataset)
            .then(() => authenticate(ex, false))
            .catch(() => undefined);
        throw err;
      }),

    /** The key responses are signed with (its public half is in the platform's JWKS). */
    signer: deps.signer,
    /** Writes the summaries of refusals counted so far (unidentified.ts). */
    flushSummaries: () => unidentified.flush(),
    async close(): Promise<void> {
      streams.closeAll();
      clearInterval(summaries);
      await unidentified.flush();
      proxy.close();
    },
  };
}

export type Gateway = ReturnType<typeof createGateway>;

/** Answers are JSON, or a JWE of JSON (`application/jose`) for secret data: a client accepting neither gets 406. */
function requireAcceptable(accept: string | undefined, secret: boolean): void {
  if (!accept) return;
  const types = accept.split(',').map((t) => t.split(';')[0]!.trim().toLowerCase());
  const ok = types.some((t) => t === '*/*' || t === 'application/*' || (secret ? t === 'application/jose' : t === 'application/json' || t.endsWith('+json')));
  if (!ok) {
    throw new Problem(PROBLEMS.notAcceptable, {
      detail: `Dữ liệu được cung cấp dạng ${secret ? 'application/jose (JWE)' : 'application/json'}.`,
      detail_en: `Data is served as ${secret ? 'application/jose (JWE)' : 'application/json'}.`,
    });
  }
}
