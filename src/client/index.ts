/**
 * Liên Thông consumer SDK (`lienthong/client`): gets connection-account tokens, declares the
 * purpose (R-5.2), verifies every answer's signature against the platform's published keys
 * (R-5.3), decrypts secret data sent as JWE (R-4.7, R-11) and keeps each exchange's receipt,
 * the consumer's proof of what it received (R-17). Node.js 20+; depends on `jose`, `eventsource-parser`
 * (change streams) and the global fetch only.
 */
import crypto, { createHash } from 'node:crypto';
import { type EventSourceMessage, createParser } from 'eventsource-parser';
import * as jose from 'jose';
import { type ReceiptRecord, ReceiptError, checkReceiptRecord } from './receipts.ts';
import { BATCH_SIGNATURE_HEADER, verifyBatchSignature } from './batch-signatures.ts';

// A kept answer and its batch signature can be checked again later, offline, with the platform's key.
export { type BatchSignatureFields, parseBatchSignature, verifyBatchSignature } from './batch-signatures.ts';
export { ReceiptError, openCheckpoint, parseVerifierKey, rootFromInclusionProof } from './receipts.ts';
export { type VerifiedWebhook, type WebhookPublicKey, WebhookVerificationError, verifyWebhook } from './webhooks.ts';

export interface ClientOptions {
  /** The platform's base URL, e.g. https://lienthong.example.vn (a tslcd listener for secret data). */
  baseUrl: string;
  clientId: string;
  /** client_secret_basic; or give `privateKey` instead (private_key_jwt). */
  clientSecret?: string | undefined;
  /**
   * private_key_jwt (RFC 7523): the account's private key, ES256 (P-256) or EdDSA (Ed25519), whose
   * public half is registered on the account (`PUT /api/v1/accounts/{client_id}/jwks`).
   */
  privateKey?: jose.JWK | crypto.KeyObject | undefined;
  /** The `kid` of the registered public key, when the account has several. */
  keyId?: string | undefined;
  /** Verifier keys of the sharing logs by custodian code (`GET /api/v1/ledger/keys`), pinned; fetched from `baseUrl` when omitted. */
  logKeys?: Record<string, string> | undefined;
  /** The platform's clock minus this machine's, in seconds, when they differ: client assertions are stamped in the platform's time. */
  clockSkewSeconds?: number | undefined;
  /** Default purpose code sent with every request; a call may override it. */
  purpose?: string | undefined;
  /** Datasets to ask tokens for (OAuth scope); all granted ones when omitted. */
  scope?: string[] | undefined;
  /** The system's private key (JWK or KeyObject) for secret data; its public half is registered on the system. */
  decryptionKey?: jose.JWK | jose.CryptoKey | import('node:crypto').KeyObject | undefined;
  /** Where the platform's keys are, when they are not served by `baseUrl` (e.g. an internal mirror). */
  jwksUrl?: string | undefined;
  fetch?: typeof fetch | undefined;
}

/** What every answer leaves with the consumer. */
export interface Receipt {
  id: string;
  log: string;
  method: string;
  url: string;
  status: number;
  /** SHA-256 (hex) of the exact bytes received: what the log entry records. */
  content_sha256: string;
  /**
   * The platform's signature over those bytes, verified: a JWS (`x-jws-signature`'s detached one, or an
   * export's signed manifest), or a
   * batch signature (`lienthong-batch-signature`: the answer's place in a signed Merkle tree,
   * docs/batch-signatures.md), as `signature_format` says. Either proves the bytes alone.
   */
  signature: string;
  signature_format: 'jws' | 'batch';
  received_at: string;
}

export interface Received<T> {
  status: number;
  data: T;
  receipt: Receipt;
}

export interface RecordAnswer<D = Record<string, unknown>> {
  dataset: string;
  key: string;
  version: number;
  updated_at: string;
  data: D;
}

export interface ListAnswer<D = Record<string, unknown>> {
  dataset: string;
  items: { key: string; version: number; updated_at: string; data: D }[];
  next_cursor: string | null;
}

/** One change of the feed: `id` is stable across deliveries (de-duplicate on it); order is kept per key. */
export interface ChangeItem<D = Record<string, unknown>> {
  id: string;
  position: number;
  key: string;
  version: number;
  op: 'upsert' | 'delete';
  changed_at: string;
  data: D | null;
}

/**
 * What `changes()` yields: the snapshot's records first (`kind: 'record'`), then the changes after
 * it (`kind: 'change'`). `cursor` is where to resume once this item is handled: the start of its
 * page, or after the page for its last item (delivery is at least once: a resumed page repeats
 * items, with the same ids — de-duplicate on `id`).
 */
export type FeedEvent<D = Record<string, unknown>> =
  { kind: 'record'; key: string; version: number; updated_at: string; data: D; cursor: string } | ({ kind: 'change'; cursor: string } & ChangeItem<D>);

/** A prepared export's signed manifest (its JWS verified against the platform's keys). */
export interface ExportManifest {
  id: string;
  dataset: string;
  position: number;
  format: 'ndjson' | 'csv';
  records: number;
  bytes: number;
  sha256: string;
  fields: string[];
  masked: Record<string, string>;
  filters: Record<string, string>;
  created_at: string;
  expires_at: string;
}

export interface PreparedExport {
  manifest: ExportManifest;
  /** The compact JWS of the manifest, as the platform signed it. */
  jws: string;
  /** The preparation's receipt. */
  receipt: Receipt;
  /**
   * The export's bytes as they arrive (never held whole); at the end their SHA-256 is checked
   * against the signed manifest (SignatureError if it differs) and the download's receipt kept.
   */
  content(): AsyncGenerator<Uint8Array>;
}

/** What proves one answer: its status, detached signature, receipt and log (headers, or a stream event's first line). */
interface StreamEvidence {
  status: number;
  signature: string | null;
  /** A batch signature's header value, when the answer carries one instead of a JWS. */
  batch_signature?: string | null;
  receipt: string | null;
  log: string | null;
}

const SNAPSHOT = 'snapshot:';
const CHANGES = 'changes:';

export interface CallOptions {
  purpose?: string | undefined;
  fields?: string[] | undefined;
}

/** A refusal (problem+json, RFC 9457) — signed and logged like data; `receipt` proves it was. */
export class LienThongError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Record<string, unknown>,
    readonly receipt: Receipt | null,
  ) {
    super(`${status} ${String(problem.title_en ?? problem.title ?? 'error')}${problem.detail_en ? `: ${String(problem.detail_en)}` : ''}`);
    this.name = 'LienThongError';
  }
}

/** The signature did not verify: the bytes are not what the platform sent. Never use them. */
export class SignatureError extends Error {
  override name = 'SignatureError';
}

const b64u = (b: Uint8Array) => Buffer.from(b).toString('base64url');

/** ES256 for a P-256 key, EdDSA for an Ed25519 one: the two the platform accepts here. */
async function assertionKey(key: jose.JWK | crypto.KeyObject): Promise<{ alg: 'ES256' | 'EdDSA'; signingKey: jose.CryptoKey | crypto.KeyObject }> {
  const jwk = key instanceof crypto.KeyObject ? key.export({ format: 'jwk' }) : key;
  const alg = jwk.kty === 'EC' && jwk.crv === 'P-256' ? 'ES256' : jwk.kty === 'OKP' && jwk.crv === 'Ed25519' ? 'EdDSA' : null;
  if (!alg) throw new Error('privateKey must be a P-256 (ES256) or Ed25519 (EdDSA) private key');
  if (key instanceof crypto.KeyObject) return { alg, signingKey: key };
  return { alg, signingKey: (await jose.importJWK(key, alg)) as jose.CryptoKey };
}

const sha256hex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

export class LienThongClient {
  /** Every receipt of this client's exchanges, oldest first. Persist them: they are the consumer's evidence. */
  readonly receipts: Receipt[] = [];
  private readonly base: string;
  private readonly http: typeof fetch;
  private readonly jwks: ReturnType<typeof jose.createRemoteJWKSet>;
  private token: { value: string; renewAt: number } | null = null;
  private renewal: Promise<string> | null = null;
  private tokenEndpoint: string | undefined;
  private publishedLogKeys: Promise<Record<string, string>> | undefined;

  constructor(private readonly opts: ClientOptions) {
    this.base = opts.baseUrl.replace(/\/+$/, '');
    this.http = opts.fetch ?? fetch;
    this.jwks = jose.createRemoteJWKSet(new URL(opts.jwksUrl ?? `${this.base}/.well-known/jwks.json`));
  }

  /**
   * An access token (RFC 6749 §4.4): renewed before it expires — once a fifth of its lifetime is
   * left, at most 30 s before — so no call goes out with a token about to lapse; concurrent calls
   * share one renewal.
   */
  accessToken(): Promise<string> {
    if (this.token && this.token.renewAt > Date.now()) return Promise.resolve(this.token.value);
    this.renewal ??= this.requestToken().finally(() => (this.renewal = null));
    return this.renewal;
  }

  private async requestToken(): Promise<string> {
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (this.opts.scope) form.set('scope', this.opts.scope.join(' '));
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (this.opts.privateKey) {
      form.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
      form.set('client_assertion', await this.clientAssertion(this.opts.privateKey));
      form.set('client_id', this.opts.clientId);
    } else if (this.opts.clientSecret !== undefined) {
      headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(this.opts.clientId)}:${encodeURIComponent(this.opts.clientSecret)}`).toString('base64')}`;
    } else {
      throw new Error('give clientSecret (client_secret_basic) or privateKey (private_key_jwt)');
    }
    const res = await this.http(`${this.base}/oauth/token`, { method: 'POST', headers, body: form });
    const body = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new LienThongError(res.status, body, null);
    const lifetime = Number(body.expires_in) * 1000;
    const renewAt = Date.now() + lifetime - Math.min(30_000, lifetime / 5);
    this.token = { value: String(body.access_token), renewAt };
    return this.token.value;
  }

  /** RFC 7523 §3: iss = sub = client_id, aud = the token endpoint the platform publishes, a minute's validity, a fresh jti. */
  private async clientAssertion(key: jose.JWK | crypto.KeyObject): Promise<string> {
    const { alg, signingKey } = await assertionKey(key);
    const now = Math.floor(Date.now() / 1000) + (this.opts.clockSkewSeconds ?? 0);
    this.tokenEndpoint ??= await this.publishedTokenEndpoint();
    return new jose.SignJWT({})
      .setProtectedHeader({ alg, typ: 'JWT', ...(this.opts.keyId && { kid: this.opts.keyId }) })
      .setIssuer(this.opts.clientId)
      .setSubject(this.opts.clientId)
      .setAudience(this.tokenEndpoint)
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .setJti(crypto.randomUUID())
      .sign(signingKey);
  }

  /** The token endpoint as the platform names itself (RFC 8414), which may differ from `baseUrl` (a tslcd listener). */
  private async publishedTokenEndpoint(): Promise<string> {
    const res = await this.http(`${this.base}/.well-known/oauth-authorization-server`);
    if (!res.ok) return `${this.base}/oauth/token`;
    const meta = (await res.json()) as { token_endpoint?: unknown };
    return typeof meta.token_endpoint === 'string' ? meta.token_endpoint : `${this.base}/oauth/token`;
  }

  getRecord<D = Record<string, unknown>>(dataset: string, key: string, o: CallOptions = {}): Promise<Received<RecordAnswer<D>>> {
    return this.call('GET', `/data/v1/${dataset}/records/${encodeURIComponent(key)}`, this.query({}, o), o);
  }

  /** One page; `filters` are equality filters on granted fields. */
  listRecords<D = Record<string, unknown>>(
    dataset: string,
    o: CallOptions & { filters?: Record<string, string>; limit?: number; cursor?: string } = {},
  ): Promise<Received<ListAnswer<D>>> {
    const q = { ...o.filters, ...(o.limit !== undefined && { limit: String(o.limit) }), ...(o.cursor !== undefined && { cursor: o.cursor }) };
    return this.call('GET', `/data/v1/${dataset}/records`, this.query(q, o), o);
  }

  /** Every record, page after page. */
  async *allRecords<D = Record<string, unknown>>(
    dataset: string,
    o: CallOptions & { filters?: Record<string, string>; limit?: number } = {},
  ): AsyncGenerator<ListAnswer<D>['items'][number]> {
    let cursor: string | undefined;
    do {
      const page = await this.listRecords<D>(dataset, { ...o, ...(cursor !== undefined && { cursor }) });
      yield* page.data.items;
      cursor = page.data.next_cursor ?? undefined;
    } while (cursor !== undefined);
  }

  /**
   * A hosted dataset, then its changes (R-4.3, R-6.1c): a consistent snapshot taken at one feed
   * position, page by page, then every change after it in commit order — no gap, no duplicate
   * between the two. Give a saved `cursor` to resume. With `follow`, waits `intervalMs` (1 s) and
   * asks again when the feed is at its end, until `signal` aborts; otherwise ends there.
   */
  async *changes<D = Record<string, unknown>>(
    dataset: string,
    o: CallOptions & { cursor?: string; follow?: boolean; intervalMs?: number; limit?: number; signal?: AbortSignal } = {},
  ): AsyncGenerator<FeedEvent<D>> {
    let cursor = o.cursor ?? SNAPSHOT;
    const q = (c: string) => ({ ...(c && { cursor: c }), ...(o.limit !== undefined && { limit: String(o.limit) }) });
    while (cursor.startsWith(SNAPSHOT)) {
      const page = await this.call<{
        items: { key: string; version: number; updated_at: string; data: D }[];
        next_cursor: string | null;
        changes_cursor: string;
      }>('GET', `/data/v1/${dataset}/snapshot`, this.query(q(cursor.slice(SNAPSHOT.length)), o), o);
      const next = page.data.next_cursor === null ? CHANGES + page.data.changes_cursor : SNAPSHOT + page.data.next_cursor;
      yield* page.data.items.map((r, i, all) => ({ kind: 'record' as const, ...r, cursor: i === all.length - 1 ? next : cursor }));
      cursor = next;
    }
    for (;;) {
      if (o.signal?.aborted) return;
      const page = await this.call<{ items: ChangeItem<D>[]; next_cursor: string; more: boolean }>(
        'GET',
        `/data/v1/${dataset}/changes`,
        this.query(q(cursor.slice(CHANGES.length)), o),
        o,
      );
      const next = CHANGES + page.data.next_cursor;
      yield* page.data.items.map((c, i, all) => ({ kind: 'change' as const, ...c, cursor: i === all.length - 1 ? next : cursor }));
      cursor = next;
      if (page.data.more) continue;
      if (!o.follow) return;
      await new Promise((r) => setTimeout(r, o.intervalMs ?? 1000));
    }
  }

  /**
   * The change feed pushed as it happens (server-sent events, `GET /data/v1/{dataset}/stream`):
   * every change after `cursor` (a `changes()` cursor, a snapshot's `changes_cursor`, or an item's
   * `cursor` from here; the feed's start without one), in commit order. Each batch's signature is
   * verified and its receipt kept, secret data decrypted, like `changes()`. A dropped connection
   * is opened again with `Last-Event-ID`: no gap, no duplicate. Ends when `signal` aborts; throws
   * `LienThongError` when the platform ends the stream (`suspended`, `revoked`: R-15, R-16).
   * fetch, not EventSource: a browser's EventSource cannot send the Authorization header.
   */
  async *stream<D = Record<string, unknown>>(
    dataset: string,
    o: CallOptions & { cursor?: string; signal?: AbortSignal; reconnectMs?: number } = {},
  ): AsyncGenerator<FeedEvent<D> & { kind: 'change' }> {
    if (o.cursor?.startsWith(SNAPSHOT)) throw new Error('stream() follows the change feed: finish the snapshot with changes() first');
    let lastId = o.cursor?.startsWith(CHANGES) ? o.cursor.slice(CHANGES.length) : o.cursor;
    let retry = o.reconnectMs ?? 1000;
    const purpose = o.purpose ?? this.opts.purpose;
    const url = `${this.base}/data/v1/${dataset}/stream${this.query({}, o)}`;
    const pause = (ms: number) =>
      new Promise<void>((resolve) => {
        const t = setTimeout(resolve, ms);
        o.signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
      });
    let renewed = false;
    while (!o.signal?.aborted) {
      let res: Response;
      try {
        res = await this.http(url, {
          headers: {
            authorization: `Bearer ${await this.accessToken()}`,
            accept: 'text/event-stream',
            ...(purpose && { 'lienthong-purpose': purpose }),
            ...(lastId && { 'last-event-id': lastId }),
          },
          ...(o.signal && { signal: o.signal }),
        });
      } catch {
        if (o.signal?.aborted) return;
        await pause(retry);
        continue;
      }
      if (!res.ok || !res.body) {
        const bytes = new Uint8Array(await res.arrayBuffer());
        const receipt = await this.verify('GET', url, res, bytes);
        const problem = JSON.parse(new TextDecoder().decode(bytes) || '{}') as Record<string, unknown>;
        // The platform's own unavailability (no rule: the database, the log) is waited out; a refusal is final.
        if (res.status >= 500 && !problem.rule) {
          await pause(retry);
          continue;
        }
        throw new LienThongError(res.status, problem, receipt);
      }
      renewed = false;
      const events: EventSourceMessage[] = [];
      const parser = createParser({ onEvent: (e) => events.push(e), onRetry: (ms) => (retry = ms) });
      const decoder = new TextDecoder();
      let expired = false;
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          parser.feed(decoder.decode(chunk, { stream: true }));
          for (let e = events.shift(); e; e = events.shift()) {
            const cut = e.data.indexOf('\n');
            const ev = JSON.parse(e.data.slice(0, cut)) as StreamEvidence & { content_type: string | null };
            const bytes = new TextEncoder().encode(e.data.slice(cut + 1));
            const receipt = await this.verifySigned('GET', url, ev, bytes);
            const text = ev.content_type?.startsWith('application/jose') ? await this.decrypt(bytes) : new TextDecoder().decode(bytes);
            const body = JSON.parse(text) as Record<string, unknown>;
            if (e.event === 'changes' && e.id) {
              if (!receipt) throw new SignatureError('a stream batch carries no signature or receipt');
              const at = CHANGES + (lastId ?? '');
              const items = (body as { items: ChangeItem<D>[] }).items;
              lastId = e.id;
              yield* items.map((c, i) => ({ kind: 'change' as const, ...c, cursor: i === items.length - 1 ? CHANGES + e.id! : at }));
            } else if (e.event === 'revoked' && ev.status === 401 && !renewed) {
              // Perhaps only the token lapsed: once more with a new one; a revoked account is refused at the opening.
              expired = true;
              break;
            } else if (e.event === 'error' && ev.status >= 500 && !body.rule) {
              break;
            } else {
              throw new LienThongError(ev.status, body, receipt);
            }
          }
          if (expired) break;
        }
      } catch (err) {
        if (err instanceof LienThongError || err instanceof SignatureError) throw err;
        if (o.signal?.aborted) return;
        // The connection dropped: opened again below from the last event's id.
      }
      if (expired) {
        renewed = true;
        this.token = null;
        continue;
      }
      await pause(retry);
    }
  }

  /**
   * A bulk export (NDJSON or CSV) of a hosted dataset as the grant shapes it: prepared (and logged)
   * at one feed position; the manifest's signature is verified here, and `content()` streams it.
   */
  async export(dataset: string, o: CallOptions & { format?: 'ndjson' | 'csv'; filters?: Record<string, string> } = {}): Promise<PreparedExport> {
    const q = { ...o.filters, ...(o.format && { format: o.format }) };
    const prepared = await this.call<ExportManifest & { manifest: string; content_url: string }>('POST', `/data/v1/${dataset}/exports`, this.query(q, o), o);
    let manifest: ExportManifest;
    try {
      const { payload } = await jose.compactVerify(prepared.data.manifest, this.jwks, { algorithms: ['ES256', 'EdDSA'] });
      manifest = JSON.parse(new TextDecoder().decode(payload)) as ExportManifest;
    } catch (err) {
      throw new SignatureError(`the export's manifest does not verify: ${err instanceof Error ? err.message : String(err)}`);
    }
    const purpose = o.purpose ?? this.opts.purpose;
    const url = `${this.base}${prepared.data.content_url}`;
    return {
      manifest,
      jws: prepared.data.manifest,
      receipt: prepared.receipt,
      content: () => this.download(url, purpose, manifest, prepared.data.manifest),
    };
  }

  /** An export's bytes as they arrive, their SHA-256 checked against the signed manifest at the end. */
  private async *download(url: string, purpose: string | undefined, manifest: ExportManifest, jws: string): AsyncGenerator<Uint8Array> {
    const res = await this.http(url, { headers: { authorization: `Bearer ${await this.accessToken()}`, ...(purpose && { 'lienthong-purpose': purpose }) } });
    if (!res.ok || !res.body) {
      // A refusal is signed and logged like any answer: its receipt is checked and kept.
      const bytes = new Uint8Array(await res.arrayBuffer());
      const receipt = await this.verify('GET', url, res, bytes);
      throw new LienThongError(res.status, JSON.parse(new TextDecoder().decode(bytes) || '{}') as Record<string, unknown>, receipt);
    }
    const hash = createHash('sha256');
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      yield chunk;
    }
    const digest = hash.digest('hex');
    if (digest !== manifest.sha256) throw new SignatureError(`the export's SHA-256 ${digest} is not the signed ${manifest.sha256}`);
    const id = res.headers.get('lienthong-receipt');
    if (!id) throw new SignatureError('the export came without its receipt');
    this.receipts.push({
      id,
      log: res.headers.get('lienthong-log') ?? '',
      method: 'GET',
      url,
      status: res.status,
      content_sha256: digest,
      signature: jws,
      signature_format: 'jws',
      received_at: new Date().toISOString(),
    });
  }

  /** A call to a proxy dataset's own service (GET or POST with a JSON body). */
  service<T = unknown>(
    dataset: string,
    path: string,
    o: CallOptions & { method?: 'GET' | 'POST'; query?: Record<string, string>; body?: unknown } = {},
  ): Promise<Received<T>> {
    return this.call(o.method ?? 'GET', `/data/v1/${dataset}/service/${path.replace(/^\/+/, '')}`, this.query(o.query ?? {}, o), o, o.body);
  }

  // Custodian systems write their hosted datasets (R-6.1a).
  putRecord(dataset: string, key: string, data: Record<string, unknown>): Promise<Received<unknown>> {
    return this.call('PUT', `/data/v1/${dataset}/records/${encodeURIComponent(key)}`, '', {}, data);
  }

  deleteRecord(dataset: string, key: string): Promise<Received<unknown>> {
    return this.call('DELETE', `/data/v1/${dataset}/records/${encodeURIComponent(key)}`, '', {});
  }

  writeBatch(dataset: string, records: ({ key: string; data: Record<string, unknown> } | { key: string; delete: true })[]): Promise<Received<unknown>> {
    return this.call('POST', `/data/v1/${dataset}/records:batch`, '', {}, { records });
  }

  /**
   * Checks that the platform's sharing log holds this exchange (R-17.1): fetches the receipt with
   * this client's access token, then checks — with nothing but the log keys the platform
   * publishes — that its leaf records the exact bytes received, that the leaf is in the tree, and
   * that the log key signed that tree's root (receipts.ts). Waits up to `waitMs` (default 10 s)
   * for the entry to be sequenced. Pin the keys (`logKeys`, from `GET /api/v1/ledger/keys` once,
   * kept) so that a later change of key is noticed rather than trusted.
   */
  async verifyReceipt(receipt: Receipt, o: { waitMs?: number } = {}): Promise<{ leaf_index: number; tree_size: number }> {
    const verifierKey = (await this.logKeys())[receipt.log];
    if (!verifierKey) throw new ReceiptError(`no published verifier key for the log ${receipt.log}`);
    const until = Date.now() + (o.waitMs ?? 10_000);
    for (;;) {
      const res = await this.http(`${this.base}/api/v1/ledger/receipts/${encodeURIComponent(receipt.id)}`, {
        headers: { authorization: `Bearer ${await this.accessToken()}` },
      });
      const body = (await res.json()) as ReceiptRecord & Record<string, unknown>;
      if (!res.ok) throw new LienThongError(res.status, body, null);
      const sequenced = body.leaf_index !== null && body.checkpoint !== null && body.inclusion_proof !== null;
      if (sequenced || Date.now() > until) return checkReceiptRecord(body, verifierKey, receipt.content_sha256);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** The logs' verifier keys by custodian: the pinned ones when given, else published ones fetched once. */
  private async logKeys(): Promise<Record<string, string>> {
    if (this.opts.logKeys) return this.opts.logKeys;
    this.publishedLogKeys ??= (async () => {
      const res = await this.http(`${this.base}/api/v1/ledger/keys`);
      if (!res.ok) throw new LienThongError(res.status, (await res.json()) as Record<string, unknown>, null);
      const { keys } = (await res.json()) as { keys: { log: string; verifier_key: string }[] };
      return Object.fromEntries(keys.map((k) => [k.log, k.verifier_key]));
    })();
    return this.publishedLogKeys;
  }

  private query(q: Record<string, string>, o: CallOptions): string {
    const p = new URLSearchParams(q);
    if (o.fields) p.set('fields', o.fields.join(','));
    const s = p.toString();
    return s ? `?${s}` : '';
  }

  private async call<T>(method: string, path: string, query: string, o: CallOptions, body?: unknown): Promise<Received<T>> {
    const purpose = o.purpose ?? this.opts.purpose;
    const url = `${this.base}${path}${query}`;
    const res = await this.http(url, {
      method,
      headers: {
        authorization: `Bearer ${await this.accessToken()}`,
        accept: 'application/json, application/jose',
        ...(purpose && { 'lienthong-purpose': purpose }),
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const bytes = new Uint8Array(await res.arrayBuffer());
    const receipt = await this.verify(method, url, res, bytes);
    const contentType = res.headers.get('content-type') ?? '';
    const text = contentType.startsWith('application/jose') ? await this.decrypt(bytes) : new TextDecoder().decode(bytes);
    const parsed = /json/.test(contentType) || contentType.startsWith('application/jose') ? (JSON.parse(text) as unknown) : text;
    if (!res.ok) throw new LienThongError(res.status, (parsed ?? {}) as Record<string, unknown>, receipt);
    if (!receipt) throw new SignatureError(`answer ${res.status} carries no signature or receipt`);
    return { status: res.status, data: parsed as T, receipt };
  }

  /** Checks the signature over the exact bytes, whichever form it has; keeps the receipt. A 503 from a failed log carries neither. */
  private verify(method: string, url: string, res: Response, bytes: Uint8Array): Promise<Receipt | null> {
    const h = res.headers;
    const evidence = { status: res.status, receipt: h.get('lienthong-receipt'), log: h.get('lienthong-log') };
    return this.verifySigned(method, url, { ...evidence, signature: h.get('x-jws-signature'), batch_signature: h.get(BATCH_SIGNATURE_HEADER) }, bytes);
  }

  private async verifySigned(method: string, url: string, ev: StreamEvidence, bytes: Uint8Array): Promise<Receipt | null> {
    const { receipt: id } = ev;
    const batch = ev.batch_signature ?? null;
    const signature = batch ?? ev.signature;
    if (!signature || !id) return null;
    try {
      if (batch !== null) await verifyBatchSignature(batch, bytes, (kid) => this.jwks({ alg: 'EdDSA', kid }));
      else await this.verifyJws(signature, bytes);
    } catch (err) {
      if (err instanceof SignatureError) throw err;
      throw new SignatureError(`the answer's signature does not verify: ${err instanceof Error ? err.message : String(err)}`);
    }
    const receipt: Receipt = {
      id,
      log: ev.log ?? '',
      method,
      url,
      status: ev.status,
      content_sha256: sha256hex(bytes),
      signature,
      signature_format: batch !== null ? 'batch' : 'jws',
      received_at: new Date().toISOString(),
    };
    this.receipts.push(receipt);
    return receipt;
  }

  private async verifyJws(jws: string, bytes: Uint8Array): Promise<void> {
    const [h, empty, s] = jws.split('.');
    if (h === undefined || s === undefined || empty !== '') throw new SignatureError('malformed detached JWS');
    await jose.compactVerify(`${h}.${b64u(bytes)}.${s}`, this.jwks, { algorithms: ['ES256', 'EdDSA'] });
  }

  private async decrypt(bytes: Uint8Array): Promise<string> {
    const key = this.opts.decryptionKey;
    if (!key) throw new Error("the answer is encrypted (secret data): give decryptionKey, the system's private key");
    const k = typeof key === 'object' && 'kty' in key ? await jose.importJWK(key as jose.JWK, undefined) : key;
    const { plaintext } = await jose.compactDecrypt(new TextDecoder().decode(bytes), k as jose.CryptoKey);
    return new TextDecoder().decode(plaintext);
  }
}
