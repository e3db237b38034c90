import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { PROBLEMS, Problem } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import type { ClientErrorRequest, RawAnswer } from '../http/edge.ts';
import { zoneOf } from '../http/listeners.ts';
import { BearerSecurity } from '../http/schemas.ts';
import type { RecordWrite } from '../sync/index.ts';
import { RecordBatch } from '../sync/index.ts';
import { BATCH_SIGNATURE_HEADER } from './batch-signatures.ts';
import { type GatewayRequest, type GatewayResponse, type StreamedResponse, PURPOSE_HEADER, RECEIPT_HEADER, SIGNATURE_HEADER } from './exchange.ts';
import type { Gateway, WriteAdmission } from './service.ts';
import type { StreamOpening, StreamSink } from './streams.ts';

const tags = ['data'];
const security = [...BearerSecurity, {}];
const DatasetParam = Type.Object({ dataset: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{1,63}$' }) });
const RecordParams = Type.Object({ dataset: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{1,63}$' }), key: Type.String({ pattern: '^[A-Za-z0-9._:-]{1,200}$' }) });
// The query is free-form — `<granted field>=<value>` filters beside the named parameters — so extra keys pass
// (as strings) to the service, which checks them and `limit` itself: a refused request is then logged like any other.
// OpenAPI has no free-form query parameter a client generator takes, so the filters are described in words.
const Fields = Type.String({ description: 'Granted fields to return, comma-separated (`fields=a,b`, R-8.2); all granted fields by default' });
// Ajv coerces only when no listed type matches; query values are text, so `string` matches and the service gets them as sent.
const Limit = Type.Unsafe<number | string>({ type: ['integer', 'string'], minimum: 1, maximum: 1000, description: 'Page size, 1–1000 (default 100)' });
const filters =
  'Any other query parameter `<granted field>=<value>` keeps the records whose field equals the value (hosted datasets); ' +
  "a proxy dataset's service gets the whole query.";
const ReadQuery = Type.Object({ fields: Type.Optional(Fields) }, { additionalProperties: Type.String() });
const ListQuery = Type.Object(
  {
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Type.String({ description: 'The `next_cursor` of the previous page (opaque)' })),
    fields: Type.Optional(Fields),
  },
  { additionalProperties: Type.String() },
);
const Data = Type.Record(Type.String(), Type.Unknown());
const FeedQuery = Type.Object(
  {
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Type.String({ maxLength: 1000, description: 'The `next_cursor` (or `changes_cursor`) of a previous page (opaque)' })),
    fields: Type.Optional(Fields),
  },
  { additionalProperties: false },
);
const ExportQuery = Type.Object(
  {
    format: Type.Optional(Type.String({ enum: ['ndjson', 'csv'], description: 'ndjson (default) or csv' })),
    fields: Type.Optional(Fields),
  },
  { additionalProperties: Type.String() },
);
const ExportParams = Type.Object({ dataset: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{1,63}$' }), id: Type.String({ pattern: '^[0-9a-f-]{36}$' }) });
const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;

const signed = `Every answer — data or refusal — carries \`${SIGNATURE_HEADER}\` (a detached JWS, RFC 7515 Appendix F, over the exact body bytes; keys at /.well-known/jwks.json) — or, on a platform that signs in batches, \`${BATCH_SIGNATURE_HEADER}\` (one Ed25519 signature over a Merkle root and this answer's inclusion path, docs/batch-signatures.md) — and \`${RECEIPT_HEADER}\` (its sharing-log receipt, GET /api/v1/ledger/receipts/{id}). Secret and top-secret data comes as a compact JWE (application/jose) to the consumer system's registered key, and only on a tslcd listener.`;
const purpose = `Header \`${PURPOSE_HEADER}\`: the declared purpose code, which must be the agreement's (R-5.2).`;

/** The gateway request as the service sees it: no Fastify types past this point. */
export function gatewayRequest(req: FastifyRequest): GatewayRequest {
  const header = (name: string) => {
    const v = req.headers[name];
    return typeof v === 'string' ? v : undefined;
  };
  const q = (req.query ?? {}) as Record<string, unknown>;
  return {
    requestId: String(req.id),
    method: req.method,
    path: req.url.split('?')[0]!,
    query: Object.fromEntries(Object.entries(q).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : String(v)])),
    authorization: header('authorization'),
    purpose: header(PURPOSE_HEADER),
    traceId: TRACEPARENT.exec(header('traceparent') ?? '')?.[1] ?? String(req.id),
    zone: zoneOf(req.raw.socket),
    ip: req.ip,
    accept: header('accept'),
    lastEventId: header('last-event-id'),
  };
}

/** A request Node's parser refused (http/edge.ts), as the gateway sees it: nothing of its headers is known. */
function rawGatewayRequest(r: ClientErrorRequest): GatewayRequest {
  const requestId = newId();
  const [path, search] = (r.url ?? '/data/v1').split('?', 2) as [string, string | undefined];
  let query: Record<string, string> = {};
  try {
    query = Object.fromEntries(new URLSearchParams(search ?? ''));
  } catch {
    query = {};
  }
  return {
    requestId,
    method: r.method,
    path,
    query,
    authorization: undefined,
    purpose: undefined,
    traceId: requestId,
    zone: zoneOf(r.socket),
    ip: r.socket.remoteAddress ?? 'unknown',
  };
}

const DATASET_IN_PATH = /^\/data\/v1\/([a-z0-9][a-z0-9-]{1,63})(?:\/|$)/;
const datasetIn = (path: string) => DATASET_IN_PATH.exec(path)?.[1];
const formOf = (method: string) => (method === 'GET' || method === 'HEAD' ? 'api' : 'sync');

/** Refusals made before the gateway's routes run (Fastify's framework errors: a malformed URL, an over-long parameter): signed and logged. */
export function refuseBeforeRouting(gateway: Gateway) {
  return async (err: unknown, req: FastifyRequest, reply: FastifyReply) => {
    const gr = gatewayRequest(req);
    return send(reply, await gateway.refuse(gr, formOf(req.method), datasetIn(gr.path), err));
  };
}

/** Refusals by Node's HTTP parser (oversized headers, a slow client) of a /data/v1 request: signed and logged, answered on the raw socket. */
export function refuseUnparsed(gateway: Gateway) {
  return async (r: ClientErrorRequest): Promise<RawAnswer> => {
    const gr = rawGatewayRequest(r);
    const res = await gateway.refuse(gr, formOf(r.method), datasetIn(gr.path), r.problem);
    return { status: res.status, headers: res.headers, body: res.body };
  };
}

export function send(reply: FastifyReply, res: GatewayResponse): FastifyReply {
  return reply.code(res.status).headers(res.headers).send(res.body);
}

/** A held answer, or a streamed one (an export) whose headers already carry its receipt. */
function sendAny(reply: FastifyReply, res: GatewayResponse | StreamedResponse): FastifyReply {
  return 'stream' in res ? reply.code(res.status).headers(res.headers).send(res.stream) : send(reply, res);
}

/** The response of a hijacked request as a stream's sink: a write waits for 'drain', so a slow client holds at most one batch here. */
function sseSink(reply: FastifyReply): StreamSink {
  const raw = reply.raw;
  const gone = new AbortController();
  raw.on('close', () => gone.abort());
  let blocked = false;
  return {
    signal: gone.signal,
    get blocked() {
      return blocked;
    },
    write(chunk) {
      if (gone.signal.aborted || raw.destroyed) return Promise.resolve(false);
      if (raw.write(chunk)) return Promise.resolve(true);
      blocked = true;
      return new Promise<boolean>((resolve) => {
        const done = (ok: boolean) => {
          blocked = false;
          raw.off('drain', drained);
          gone.signal.removeEventListener('abort', closed);
          resolve(ok);
        };
        const drained = () => done(true);
        const closed = () => done(false);
        raw.once('drain', drained);
        gone.signal.addEventListener('abort', closed);
      });
    },
    end() {
      if (!raw.destroyed && !raw.writableEnded) raw.end();
    },
    destroy() {
      raw.destroy();
    },
  };
}

/** A refusal as any answer; an opened stream writes its head, then its events until it ends. */
async function sendStream(reply: FastifyReply, res: GatewayResponse | StreamOpening): Promise<FastifyReply | undefined> {
  if (!('run' in res)) return send(reply, res);
  reply.hijack();
  reply.raw.writeHead(res.status, res.headers);
  reply.raw.flushHeaders();
  await res.run(sseSink(reply));
  return undefined;
}

const admissions = new WeakMap<FastifyRequest, WriteAdmission>();

/**
 * Route hook of the write routes: the caller is identified and authorised on its headers before
 * Fastify reads the body. A refusal closes the connection, so a large body is not read either.
 */
function admitBeforeBody(gateway: Gateway) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const { dataset } = req.params as { dataset: string };
    const decided = await gateway.admitWrite(gatewayRequest(req), dataset);
    if ('admitted' in decided) {
      admissions.set(req, decided.admitted);
      return;
    }
    void reply.header('connection', 'close');
    return send(reply, decided.refused);
  };
}

function admissionOf(req: FastifyRequest): WriteAdmission {
  const a = admissions.get(req);
  if (!a) throw new Error('write route without its admission hook');
  return a;
}

export interface GatewayRouteOptions {
  /** Largest body of one record's PUT (LIENTHONG_BODY_LIMIT_BYTES). */
  recordBodyLimit: number;
  /** Largest body of a batch write (LIENTHONG_BULK_BODY_LIMIT_BYTES). */
  bulkBodyLimit: number;
}

export function gatewayRoutes(gateway: Gateway, limits: GatewayRouteOptions) {
  return async function routes(base: FastifyInstance): Promise<void> {
    const app = base.withTypeProvider<TypeBoxTypeProvider>();
    // A request refused before the handler (bad JSON, a body too large, a malformed parameter) is an exchange too: logged and signed.
    app.setErrorHandler(async (err, req, reply) => {
      const dataset = (req.params as { dataset?: string } | undefined)?.dataset;
      return send(reply, await gateway.refuse(gatewayRequest(req), req.method === 'GET' ? 'api' : 'sync', dataset, err));
    });

    // Paths under /data/v1 that name no operation are refusals of the data plane too.
    app.setNotFoundHandler(async (req, reply) => {
      const gr = gatewayRequest(req);
      const problem = new Problem(PROBLEMS.notFound, {
        detail: `Không có thao tác ${req.method} ${gr.path}.`,
        detail_en: `No operation ${req.method} ${gr.path}.`,
      });
      return send(reply, await gateway.refuse(gr, formOf(req.method), datasetIn(gr.path), problem));
    });

    app.get(
      '/:dataset/records/:key',
      {
        schema: {
          tags,
          security,
          summary: 'Đọc một bản ghi / Read one record',
          description: `${purpose} ${signed}`,
          params: RecordParams,
          querystring: ReadQuery,
        },
      },
      async (req, reply) => send(reply, await gateway.readRecord(gatewayRequest(req), req.params.dataset, req.params.key)),
    );

    app.get(
      '/:dataset/records',
      {
        schema: {
          tags,
          security,
          summary: 'Tra cứu bản ghi / List records (granted-field filters, cursor)',
          description: `${filters} ${purpose} ${signed}`,
          params: DatasetParam,
          querystring: ListQuery,
        },
      },
      async (req, reply) => send(reply, await gateway.listRecords(gatewayRequest(req), req.params.dataset)),
    );

    // The change feed, the consistent snapshot and bulk exports (R-4.3, R-6.1c; docs/sync.md).
    app.get(
      '/:dataset/changes',
      {
        schema: {
          tags,
          security,
          summary: 'Luồng thay đổi / Change feed (commit order, resumable cursor)',
          params: DatasetParam,
          querystring: FeedQuery,
          description: `Changes after the cursor (from the feed's start without one), in commit order: {id, position, key, version, op: upsert|delete, changed_at, data}. \`id\` is stable: de-duplicate on it. \`next_cursor\` is always given; \`more\` says whether the feed has more now. ${purpose} ${signed}`,
        },
      },
      async (req, reply) => send(reply, await gateway.changes(gatewayRequest(req), req.params.dataset)),
    );

    app.get(
      '/:dataset/stream',
      {
        schema: {
          tags,
          security,
          summary: 'Luồng sự kiện thay đổi / Change stream (server-sent events)',
          params: DatasetParam,
          querystring: Type.Object(
            {
              cursor: Type.Optional(Type.String({ maxLength: 1000, description: 'Where to start: a `next_cursor`, `changes_cursor` or event id (opaque)' })),
              fields: Type.Optional(Fields),
            },
            { additionalProperties: false },
          ),
          description: `text/event-stream of the change feed after the cursor (\`Last-Event-ID\` header first, then \`?cursor=\`, else the feed's start). Each \`changes\` event is one batch — the body of a \`/changes\` page, shaped the same — as two \`data:\` lines: \`{status, receipt, log, signature, content_type}\` then the exact signed bytes (a compact JWE for secret data); its \`id\` is the cursor after it. A suspension, revocation or termination ends the stream with a \`suspended\` or \`revoked\` event (problem+json) within a second. Comment lines keep it open. ${purpose}`,
        },
      },
      async (req, reply) => sendStream(reply, await gateway.stream(gatewayRequest(req), req.params.dataset)),
    );

    app.get(
      '/:dataset/snapshot',
      {
        schema: {
          tags,
          security,
          summary: 'Ảnh chụp nhất quán / Consistent snapshot at one feed position',
          params: DatasetParam,
          querystring: FeedQuery,
          description: `The dataset as of one feed position (\`position\`, fixed by the first page), in key order, page after page with \`next_cursor\`; then follow the feed from \`changes_cursor\`: no gap, no duplicate. ${purpose} ${signed}`,
        },
      },
      async (req, reply) => send(reply, await gateway.snapshot(gatewayRequest(req), req.params.dataset)),
    );

    app.post(
      '/:dataset/exports',
      {
        schema: {
          tags,
          security,
          summary: 'Chuẩn bị kết xuất / Prepare a bulk export (NDJSON or CSV)',
          params: DatasetParam,
          querystring: ExportQuery,
          description: `Prepares the dataset as of the current feed position, shaped to the grant (\`<granted field>=<value>\` filters): answers 201 with its id, SHA-256, size and a signed manifest (compact JWS, platform keys). Download it from \`content_url\`. Not offered for secret data (R-11). ${purpose} ${signed}`,
        },
      },
      async (req, reply) => send(reply, await gateway.prepareExport(gatewayRequest(req), req.params.dataset)),
    );

    app.get(
      '/:dataset/exports/:id/content',
      {
        schema: {
          tags,
          security,
          summary: 'Tải bản kết xuất / Download a prepared export (streamed)',
          params: ExportParams,
          description:
            'Decided again, logged (R-17.2, with the SHA-256 of the body) before the first byte, then streamed; `Repr-Digest` and `Lienthong-Export-Manifest` carry the digest and the signed manifest, `Lienthong-Receipt` the receipt.',
        },
      },
      async (req, reply) => sendAny(reply, await gateway.downloadExport(gatewayRequest(req), req.params.dataset, req.params.id)),
    );

    app.put(
      '/:dataset/records/:key',
      {
        bodyLimit: limits.recordBodyLimit,
        onRequest: admitBeforeBody(gateway),
        schema: {
          tags,
          security: BearerSecurity,
          summary: 'Ghi một bản ghi (hệ thống của cơ quan chủ quản) / Write one record (custodian system)',
          description: `The body is the record's data, validated against the dataset's fields and code lists. ${signed}`,
          params: RecordParams,
          body: Data,
        },
      },
      async (req, reply) => send(reply, await gateway.commitWrite(admissionOf(req), [{ key: req.params.key, data: req.body }])),
    );

    app.delete(
      '/:dataset/records/:key',
      {
        schema: { tags, security: BearerSecurity, summary: 'Xoá (tombstone) một bản ghi / Delete a record (a tombstone; history kept)', params: RecordParams },
      },
      async (req, reply) => send(reply, await gateway.deleteRecord(gatewayRequest(req), req.params.dataset, req.params.key)),
    );

    app.post(
      '/:dataset/records::batch',
      {
        bodyLimit: limits.bulkBodyLimit,
        onRequest: admitBeforeBody(gateway),
        schema: {
          tags,
          security: BearerSecurity,
          summary: 'Ghi theo lô, tất cả hoặc không / Batch write, all or nothing (custodian system)',
          params: DatasetParam,
          body: RecordBatch,
        },
      },
      async (req, reply) => send(reply, await gateway.commitWrite(admissionOf(req), req.body.records as RecordWrite[])),
    );

    // The custodian's own service (R-6.1b): bodies pass through as streams, unparsed.
    await app.register(async (proxied) => {
      proxied.removeAllContentTypeParsers();
      proxied.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
      const handler = async (req: FastifyRequest, reply: FastifyReply) => {
        const { dataset, '*': suffix } = req.params as { dataset: string; '*': string };
        const stream = req.method === 'POST' ? (req.body as Readable | undefined) : undefined;
        return send(reply, await gateway.forward(gatewayRequest(req), dataset, suffix, stream && { stream, contentType: req.headers['content-type'] }));
      };
      proxied.route({
        method: ['GET', 'POST'],
        url: '/:dataset/service/*',
        handler,
        schema: {
          tags,
          security,
          summary: 'Chuyển tiếp tới dịch vụ của cơ quan chủ quản / Forward to the custodian service (proxy datasets)',
          description: `GET and POST are forwarded with the path suffix, query and body; JSON answers are shaped to the granted fields. ${purpose} ${signed}`,
        },
      });
    });
  };
}
