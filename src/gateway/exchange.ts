import crypto from 'node:crypto';
import os from 'node:os';
import type { Readable } from 'node:stream';
import { PROBLEMS, Problem } from '../core/errors.ts';
import type { ResponseSigner } from './response-signatures.ts';
import type { LedgerEntry } from '../ledger/index.ts';
import type { Zone } from '../core/zones.ts';

export type Form = LedgerEntry['form'];

/** What the gateway needs of an HTTP request; the routes fill it, the service never sees Fastify. */
export interface GatewayRequest {
  requestId: string;
  method: string;
  /** Path without the query, e.g. /data/v1/to-chuc-dang/records/ABC */
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
  /** `Lienthong-Purpose` header: the declared purpose of use. */
  purpose: string | undefined;
  /** W3C traceparent's trace id when given, else the request id. */
  traceId: string;
  /** The network zone of the listener the request arrived on. */
  zone: Zone;
  /** Client address, the rate-limit key of unauthenticated (open-data) requests. */
  ip: string;
  /** The Accept header, if any: answers are JSON (or JWE of JSON for secret data). */
  accept?: string | undefined;
  /** `Last-Event-ID`: where a reconnecting event stream resumes (streams.ts). */
  lastEventId?: string | undefined;
}

/** Who asked, once known: filled as the pipeline learns it, logged whatever the outcome. */
export interface Exchange {
  req: GatewayRequest;
  form: Form;
  requestedAt: Date;
  dataset: string | null;
  /** The log the exchange goes to: the dataset's custodian, or the coordinator's when no dataset is known. */
  log: string;
  requester: LedgerEntry['requester'];
  fields: string[];
  recordKeys: string[];
  agreementIds: string[];
  policyVersion: string | null;
  keepContent: boolean;
  /** the agency that produced what a write stored (the custodian, or a producer it authorised); set once the write is made. */
  producerAgency?: string;
}

/**
 * The exact bytes that will be sent. Held whole, because the signature header (a detached JWS,
 * whose signing input is the whole payload) and the log entry's SHA-256 must both exist before
 * the first byte leaves; upstream answers are bounded by `maxResponseBytes`.
 */
export interface Outcome {
  status: number;
  contentType: string;
  body: Buffer;
  headers?: Record<string, string>;
  /** A refusal's rule (the problem's `rule`), logged with the entry so refusals are counted by rule. */
  rule?: string | null;
  /** The body's SHA-256, when known already (a page sent to many streams is hashed once). */
  digest?: Buffer;
}

export interface GatewayResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export { SIGNATURE_HEADER } from './response-signatures.ts';
export const RECEIPT_HEADER = 'lienthong-receipt';
const LOG_HEADER = 'lienthong-log';
export const PURPOSE_HEADER = 'lienthong-purpose';

/** Appends one exchange durably or throws (the ledger's contract); returns the receipt id. */
export type LogAppend = (log: string, entry: LedgerEntry, content?: Uint8Array) => Promise<{ id: string }>;

export const GATEWAY_INSTANCE = `${os.hostname()}:${process.pid}`;

export function jsonOutcome(status: number, value: unknown, headers?: Record<string, string>): Outcome {
  return { status, contentType: 'application/json; charset=utf-8', body: Buffer.from(JSON.stringify(value)), ...(headers && { headers }) };
}

/** A refusal as the bytes that will be sent (`p` from the HTTP layer's mapping of errors, given to the gateway). */
export function problemOutcome(p: Problem, req: GatewayRequest): Outcome {
  return {
    status: p.status,
    contentType: 'application/problem+json; charset=utf-8',
    body: Buffer.from(JSON.stringify(p.body(req.path, req.requestId))),
    headers: p.options.headers ?? {},
    rule: p.options.rule ?? null,
  };
}

// One-shot hashing (Node ≥ 20.12): no Hash object per response; the log takes it in hex, a batch signature's leaf in bytes.
const sha256 = (b: Uint8Array) => crypto.hash('sha256', b, 'buffer');

/**
 * The last two steps of every exchange, served or refused: sign the exact bytes that will be
 * sent and write the entry to the custodian's log; only when both succeed does
 * the response leave, carrying its receipt. If the log cannot take the entry the caller gets a
 * 503 and none of the data (the gateway's rule: nothing leaves unlogged).
 */
export async function release(ex: Exchange, outcome: Outcome, signer: ResponseSigner, append: LogAppend, now: () => Date): Promise<GatewayResponse> {
  const body = outcome.body;
  const digest = outcome.digest ?? sha256(body);
  const entry = entryOf(
    ex,
    { status: outcome.status, digest: digest.toString('hex'), kept: ex.keepContent && outcome.status < 300, bytes: body.length, rule: outcome.rule ?? null },
    now,
  );
  const kept = entry.response.content_kept ? body : undefined;
  let receipt: { id: string };
  let signature: Record<string, string>;
  try {
    // Signing only needs the bytes; both run at once, and both must succeed.
    [receipt, signature] = await Promise.all([append(ex.log, entry, kept), signer.sign(body, digest)]);
  } catch (err) {
    if (err instanceof LogWriteFailed) throw err; // inside a write's transaction: roll it back
    return logFailure(ex.req, err);
  }
  return {
    status: outcome.status,
    headers: {
      ...outcome.headers,
      'content-type': outcome.contentType,
      'content-length': String(body.length),
      ...signature,
      [RECEIPT_HEADER]: receipt.id,
      [LOG_HEADER]: ex.log,
      'cache-control': 'no-store',
    },
    body,
  };
}

/** The entry of an exchange whose answer has this status and these bytes (their SHA-256). */
/** What the entry says of the answer: its status, digest and size, whether its content is kept, and a refusal's rule (counted by the reports). */
interface Answer {
  status: number;
  digest: string;
  kept: boolean;
  bytes: number;
  rule: string | null;
}

function entryOf(ex: Exchange, a: Answer, now: () => Date): LedgerEntry {
  return {
    requested_at: ex.requestedAt.toISOString(),
    responded_at: now().toISOString(),
    form: ex.form,
    requester: ex.requester,
    request: { method: ex.req.method, resource: ex.req.path, query: ex.req.query, purpose: ex.req.purpose ?? null, fields: ex.fields },
    dataset: ex.dataset,
    record_keys: ex.recordKeys,
    response: { status: a.status, content_sha256: a.digest, content_kept: a.kept, bytes: a.bytes, rule: a.rule },
    agreement_ids: ex.agreementIds,
    policy_version: ex.policyVersion,
    trace_id: ex.req.traceId,
    gateway_instance: GATEWAY_INSTANCE,
    ...(ex.producerAgency !== undefined && { producer_agency: ex.producerAgency }),
  };
}

/** An answer streamed rather than held (a bulk export): its log entry is written before the first byte. */
export interface StreamedResponse {
  status: number;
  headers: Record<string, string>;
  stream: Readable;
}

/**
 * Releases a streamed body whose SHA-256 is known beforehand (an export, prepared and digested
 * first): the entry naming that digest is durably appended, then the stream may start.
 */
export async function releaseStream(
  ex: Exchange,
  s: { contentType: string; digest: string; bytes: number; headers: Record<string, string>; stream: () => Readable },
  append: LogAppend,
  now: () => Date,
): Promise<StreamedResponse | GatewayResponse> {
  let receipt: { id: string };
  try {
    receipt = await append(ex.log, entryOf(ex, { status: 200, digest: s.digest, kept: false, bytes: s.bytes, rule: null }, now));
  } catch (err) {
    return logFailure(ex.req, err);
  }
  return {
    status: 200,
    headers: { ...s.headers, 'content-type': s.contentType, [RECEIPT_HEADER]: receipt.id, [LOG_HEADER]: ex.log, 'cache-control': 'no-store' },
    stream: s.stream(),
  };
}

/**
 * A refusal that is signed but not logged on its own: one of many from an unidentified caller over
 * its address's bound, counted into a summary entry instead (unidentified.ts). No receipt.
 */
export async function signedOnly(outcome: Outcome, signer: ResponseSigner): Promise<GatewayResponse> {
  return {
    status: outcome.status,
    headers: {
      ...outcome.headers,
      'content-type': outcome.contentType,
      'content-length': String(outcome.body.length),
      ...(await signer.sign(outcome.body)),
      'cache-control': 'no-store',
    },
    body: outcome.body,
  };
}

/** The log refused an entry inside a write's transaction: the write is rolled back and the caller gets 503. */
export class LogWriteFailed extends Error {
  constructor(override readonly cause: unknown) {
    super('sharing log append failed');
  }
}

export function logFailure(req: GatewayRequest, err: unknown): GatewayResponse {
  const p = new Problem(PROBLEMS.unavailable, {
    rule: 'R-17.1',
    detail: 'Không ghi được nhật ký chia sẻ nên dữ liệu không được cung cấp; hãy thử lại sau.',
    detail_en: `The sharing log could not record this exchange, so no data is released; try again later (${err instanceof Error ? err.constructor.name : 'error'}).`,
    headers: { 'retry-after': '5' },
  });
  return {
    status: 503,
    headers: { 'content-type': 'application/problem+json; charset=utf-8', 'retry-after': '5', 'cache-control': 'no-store' },
    body: Buffer.from(JSON.stringify(p.body(req.path, req.requestId))),
  };
}
