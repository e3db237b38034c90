import { canonicalJson } from '../core/canonical.ts';

/** R-17.2 (a)–(đ): what one exchange leaves in the log. The leaf is its RFC 8785 canonical JSON. */
const FORMS = ['api', 'sync', 'push', 'export', 'direct'] as const;

export interface LedgerEntry {
  /** (a) times of request and of response, RFC 3339 UTC */
  requested_at: string;
  responded_at: string;
  /** (a) form of the exchange */
  form: (typeof FORMS)[number];
  /** (b) who asked */
  requester: { agency: string | null; system: string | null; account: string | null };
  /** (c) what was asked */
  request: { method: string; resource: string; query: Record<string, string>; purpose: string | null; fields: string[] };
  dataset: string | null;
  record_keys: string[];
  /**
   * (d) response status and SHA-256 (hex) of the exact bytes delivered; the gateway also states
   * their length and, for a refusal, the rule that refused (the problem's `rule`), so the figures
   * of reports (src/reports/) are recounted from the log itself. Entries written before these two
   * members, and summaries of unidentified refusals, have neither.
   */
  response: { status: number; content_sha256: string | null; content_kept: boolean; bytes?: number; rule?: string | null };
  /** (đ) what settles disputes later */
  agreement_ids: string[];
  policy_version: string | null;
  trace_id: string;
  gateway_instance: string;
  /** R-4.1: on a write, the agency that produced the data stored (the custodian, or a producer it authorised). */
  producer_agency?: string;
}

/** The leaf: RFC 8785 canonical JSON of `{v: 1, log, ...entry}`. */
export function leafBytes(log: string, e: LedgerEntry): Buffer {
  return Buffer.from(leafText(log, e), 'utf8');
}

/** The leaf as text: RFC 8785 canonical JSON of `{v: 1, log, ...entry}` (the caller's thread makes it; see `framed`). */
export function leafText(log: string, e: LedgerEntry): string {
  return fastLeaf(log, e) ?? canonicalJson({ v: 1, log, ...e });
}

// ——— the same bytes, written directly for the shape of a LedgerEntry ———
// The generic canonicaliser (sorting every object's keys, walking every value) cost ~7 µs an
// entry, most of an append's JavaScript and a cap on group-commit throughput. An entry has a
// fixed shape, so its canonical form is a template: members in RFC 8785 order (UTF-16 code
// units of the keys — fixed here, sorted for `query`'s free keys), strings and numbers as
// JSON.stringify writes them (RFC 8785 §3.2.2 is ECMAScript's serialisation). Anything off the
// shape — an extra member, a non-string, a non-finite number — returns null and goes through the
// generic canonicaliser; test/ledger/entry.test.ts checks both agree byte for byte.

// A string needs escaping in JSON only for quotes, backslashes, control characters and lone
// surrogates (ECMA-262 QuoteJSONString, which RFC 8785 §3.2.2.2 follows); any other string is
// itself between quotes. The test costs about a third of a JSON.stringify call, and an entry has
// some twenty strings. (No `u` flag: the class matches UTF-16 code units, paired surrogates too,
// which then take the JSON.stringify path and come out as they are.)
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;
const S = (v: unknown): string => (typeof v === 'string' && !NEEDS_ESCAPE.test(v) ? `"${v}"` : JSON.stringify(v));
const isStr = (v: unknown): v is string => typeof v === 'string';
const strOrNull = (v: unknown): v is string | null => v === null || typeof v === 'string';
const has = (o: object, n: number) => Object.keys(o).length === n;

function strings(a: unknown): string | null {
  if (!Array.isArray(a)) return null;
  let out = '[';
  for (let i = 0; i < a.length; i++) {
    const v: unknown = a[i];
    if (!isStr(v)) return null;
    out += (i ? ',' : '') + S(v);
  }
  return `${out}]`;
}

function stringMap(o: unknown): string | null {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return null;
  const proto: unknown = Object.getPrototypeOf(o);
  if (proto !== Object.prototype && proto !== null) return null; // (querystring parsers make null-prototype objects)
  const keys = Object.keys(o).sort();
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const v: unknown = (o as Record<string, unknown>)[keys[i]!];
    if (!isStr(v)) return null;
    out += `${i ? ',' : ''}${S(keys[i])}:${S(v)}`;
  }
  return `${out}}`;
}

/** The response member: its three original members, or five with `bytes` and `rule` (keys in RFC 8785 order). */
function responseJson(rs: LedgerEntry['response']): string | null {
  const tail = `"content_kept":${rs.content_kept},"content_sha256":${S(rs.content_sha256)}`;
  if (has(rs, 3)) return `{${tail},"status":${S(rs.status)}}`;
  if (!has(rs, 5) || typeof rs.bytes !== 'number' || !Number.isFinite(rs.bytes) || !strOrNull(rs.rule)) return null;
  return `{"bytes":${S(rs.bytes)},${tail},"rule":${S(rs.rule)},"status":${S(rs.status)}}`;
}

function fastLeaf(log: string, e: LedgerEntry): string | null {
  const { requester: who, request: rq, response: rs } = e;
  const producer = e.producer_agency;
  if (
    !has(e, producer === undefined ? 12 : 13) ||
    (producer !== undefined && !isStr(producer)) ||
    !isStr(log) ||
    !isStr(e.requested_at) ||
    !isStr(e.responded_at) ||
    !isStr(e.form) ||
    !strOrNull(e.dataset) ||
    !strOrNull(e.policy_version) ||
    !isStr(e.trace_id) ||
    !isStr(e.gateway_instance)
  )
    return null;
  if (typeof who !== 'object' || who === null || !has(who, 3) || !strOrNull(who.agency) || !strOrNull(who.system) || !strOrNull(who.account)) return null;
  if (typeof rq !== 'object' || rq === null || !has(rq, 5) || !isStr(rq.method) || !isStr(rq.resource) || !strOrNull(rq.purpose)) return null;
  if (
    typeof rs !== 'object' ||
    rs === null ||
    typeof rs.status !== 'number' ||
    !Number.isFinite(rs.status) ||
    !strOrNull(rs.content_sha256) ||
    typeof rs.content_kept !== 'boolean'
  )
    return null;
  const response = responseJson(rs);
  if (response === null) return null;
  const agreements = strings(e.agreement_ids);
  const keys = strings(e.record_keys);
  const fields = strings(rq.fields);
  const query = stringMap(rq.query);
  if (agreements === null || keys === null || fields === null || query === null) return null;
  return (
    `{"agreement_ids":${agreements},"dataset":${S(e.dataset)},"form":${S(e.form)},"gateway_instance":${S(e.gateway_instance)},"log":${S(log)},` +
    `"policy_version":${S(e.policy_version)},${producer === undefined ? '' : `"producer_agency":${S(producer)},`}"record_keys":${keys},` +
    `"request":{"fields":${fields},"method":${S(rq.method)},"purpose":${S(rq.purpose)},"query":${query},"resource":${S(rq.resource)}},` +
    `"requested_at":${S(e.requested_at)},"requester":{"account":${S(who.account)},"agency":${S(who.agency)},"system":${S(who.system)}},` +
    `"responded_at":${S(e.responded_at)},"response":${response},` +
    `"trace_id":${S(e.trace_id)},"v":1}`
  );
}

/** For the tests: the generic canonical form, to compare the fast one with. */
export const genericLeafBytes = (log: string, e: LedgerEntry): Buffer => Buffer.from(canonicalJson({ v: 1, log, ...e }), 'utf8');

export { framed, sha256 } from './log/merkle.ts';
