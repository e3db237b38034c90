/**
 * (d) Malformed input to every operation of /openapi.json: bad path parameters (bad percent-
 * encoding, lone surrogates, over-long, wrong types, huge numbers), bad query values, missing or
 * garbage JSON bodies, wrong content types, lone surrogates, deep nesting, duplicate keys, wrong
 * property types, random bytes, odd headers — half of them with a valid admin bearer token (so
 * they pass authentication and reach validation and the handlers). Every 4xx must be
 * application/problem+json with `title` and `title_en`; any 5xx is a failure (the database is
 * healthy throughout). Then raw-socket cases that never reach a route: oversized headers (431),
 * no Host header, an over-long URL (414), a garbage request line, broken chunked bodies.
 */
import net from 'node:net';
import { request } from 'undici';
import { type Suite, fmt, rng, tail } from './lib/context.ts';
import { type Hit, type Shot, fire } from './lib/fire.ts';
import { countBy, problemIssue, summary } from './lib/load.ts';
import type { OwnPostgres } from './lib/pg.ts';
import { alive, login, platformEnv, startPlatform } from './lib/platform.ts';

const S = 'malformed';

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  $ref?: string;
  format?: string;
  enum?: unknown[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
};
interface Param {
  name: string;
  in: string;
  schema?: Schema;
}
interface Operation {
  method: string;
  path: string;
  params: Param[];
  body: Schema | null;
  bodyTypes: string[];
}

const BAD_SEGMENTS = [
  '%',
  '%Z',
  '%ZZ',
  '%E0%A4%A',
  '%ED%A0%80',
  '%ED%B0%80x',
  '%C0%AF',
  '%FF%FE',
  '%00',
  '%0D%0Aset-cookie:x',
  '%20',
  '%2F..%2F..%2Fetc%2Fpasswd',
  '..',
  '.',
  'a'.repeat(300),
  'a'.repeat(5000),
  '9'.repeat(400),
  '-1',
  '1e999',
  '-0',
  'NaN',
  'null',
  'undefined',
  '__proto__',
  'constructor',
  "'%20OR%201=1--",
  '%F0%9F%92%A9'.repeat(50),
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '0x1F',
  '1.5',
  '%E1%BA%A1',
  '\u00a0',
];
const BAD_QUERY_VALUES = [
  '',
  '%',
  '%ZZ',
  '%ED%A0%80',
  '-1',
  '1e400',
  '9'.repeat(400),
  'abc',
  'true',
  '[]',
  '{}',
  'x'.repeat(5000),
  '2026-13-45',
  '2026-02-30T25:61:00Z',
  '0',
  '1.5',
  '%00',
  'null',
];
const WRONG_VALUES: unknown[] = [
  123,
  -1,
  1.5,
  true,
  false,
  [],
  {},
  null,
  '',
  'x'.repeat(100_000),
  '\u0000',
  '9999-99-99',
  ['x', 1, null],
  { a: { b: { c: 1 } } },
];
const HUGE_NUMBERS = ['1' + '0'.repeat(400), '1e400', '-1e400', '123456789012345678901234567890', '1E308', '-0', '0.0000000000000000000000000001'];

function deref(spec: Record<string, unknown>, s: Schema | undefined, depth = 0): Schema | undefined {
  if (!s || depth > 8) return s;
  if (s.$ref) {
    const parts = s.$ref.replace(/^#\//, '').split('/');
    let x: unknown = spec;
    for (const p of parts) x = (x as Record<string, unknown> | undefined)?.[p];
    return deref(spec, x as Schema, depth + 1);
  }
  if (s.allOf)
    return s.allOf
      .map((a) => deref(spec, a, depth + 1) ?? {})
      .reduce<Schema>(
        (a, b) => ({ ...a, ...b, properties: { ...a.properties, ...b.properties }, required: [...(a.required ?? []), ...(b.required ?? [])] }),
        {},
      );
  if (s.anyOf || s.oneOf) return deref(spec, (s.anyOf ?? s.oneOf)![0], depth + 1);
  return s;
}

/** A plausible instance of a schema (required members only, then every member): mutated one place at a time. */
function sample(spec: Record<string, unknown>, s0: Schema | undefined, depth = 0): unknown {
  const s = deref(spec, s0);
  if (!s || depth > 5) return null;
  if (s.enum?.length) return s.enum[0];
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'object':
    case undefined: {
      if (!s.properties) return type === 'object' ? {} : 'x';
      const o: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(s.properties)) o[k] = sample(spec, v, depth + 1);
      return o;
    }
    case 'array':
      return [sample(spec, s.items, depth + 1)];
    case 'integer':
    case 'number':
      return 1;
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      switch (s.format) {
        case 'date':
          return '2026-01-01';
        case 'date-time':
          return '2026-01-01T00:00:00Z';
        case 'uuid':
          return '00000000-0000-4000-8000-000000000000';
        case 'email':
          return 'a@b.vn';
        case 'uri':
          return 'http://127.0.0.1:9/';
        default:
          return 'x';
      }
  }
}

function operations(spec: Record<string, unknown>): Operation[] {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries((spec.paths ?? {}) as Record<string, Record<string, unknown>>)) {
    const shared = (item.parameters ?? []) as Param[];
    for (const method of ['get', 'post', 'put', 'patch', 'delete']) {
      const op = item[method] as { parameters?: Param[]; requestBody?: { content?: Record<string, { schema?: Schema }> } } | undefined;
      if (!op) continue;
      const content = op.requestBody?.content ?? {};
      const types = Object.keys(content);
      ops.push({
        method: method.toUpperCase(),
        path,
        params: [...shared, ...(op.parameters ?? [])],
        body: types.length ? (content['application/json']?.schema ?? content[types[0]!]?.schema ?? {}) : null,
        bodyTypes: types,
      });
    }
  }
  return ops;
}

/** One malformed request for an operation; every choice comes from the seeded generator. */
function malformed(spec: Record<string, unknown>, op: Operation, r: () => number, token: string | null): Shot {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const headers: Record<string, string> = {};
  if (token && !(op.method === 'POST' && op.path === '/api/v1/auth/logout')) headers.authorization = `Bearer ${token}`;
  const pathParams = op.params.filter((p) => p.in === 'path');
  const queryParams = op.params.filter((p) => p.in === 'query');
  const hasBody = op.body !== null || ['POST', 'PUT', 'PATCH'].includes(op.method);
  const kinds = ['path', 'query', 'header', ...(hasBody ? ['body', 'body', 'body', 'body'] : [])];
  const kind = pathParams.length || !hasBody ? pick(kinds) : pick(kinds.filter((k) => k !== 'path'));
  // Path parameters: plausible by default, malformed when that is the variant.
  const bad: string[] = [];
  const badSegment = () => {
    const b = pick(BAD_SEGMENTS);
    bad.push(JSON.stringify(b.slice(0, 12)));
    return b;
  };
  let path = op.path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    const p = pathParams.find((x) => x.name === name);
    const plausible = encodeURIComponent(String(sample(spec, p?.schema) ?? 'x'));
    return kind === 'path' && (r() < 0.7 || pathParams.length === 1) ? badSegment() : plausible;
  });
  if (kind === 'path' && pathParams.length === 0) path += `/${badSegment()}`;
  let label = kind === 'path' ? `path ${bad.join(',')}` : kind;
  if (kind === 'query') {
    const q = queryParams.length && r() < 0.8 ? pick(queryParams).name : pick(['zz', '%', '%ZZ', 'a[b]', '__proto__', 'x'.repeat(300)]);
    const v = pick(BAD_QUERY_VALUES);
    path += `?${encodeURIComponent(q).replace(/%25/g, '%')}=${v}${r() < 0.3 ? `&${q}=${pick(BAD_QUERY_VALUES)}` : ''}`;
    label = `query ${q}`;
  }
  if (kind === 'header') {
    const h = pick(['auth', 'auth', 'if-match', 'accept', 'purpose', 'ctype', 'request-id', 'encoding']);
    label = `header ${h}`;
    switch (h) {
      case 'auth':
        headers.authorization = pick([
          'Bearer',
          'Bearer ',
          'Bearer x y',
          `Bearer ${'a'.repeat(8000)}`,
          'Basic Zm9vOmJhcg==',
          'bearer %ZZ',
          'Bearer ' + (token ?? 'x') + 'x',
          'Token x',
          'Bearer \u00ff\u00fe',
        ]);
        break;
      case 'if-match':
        headers['if-match'] = pick(['*', 'x', '"-1"', `"${'9'.repeat(40)}"`, 'W/', '""']);
        break;
      case 'accept':
        headers.accept = pick(['application/xml', 'text/csv', '*/*;q=x', 'a/b, c/d;q=0', 'application/jose']);
        break;
      case 'purpose':
        headers['lienthong-purpose'] = pick(['', 'x'.repeat(5000), '%ZZ', 'a, b']);
        break;
      case 'ctype':
        headers['content-type'] = pick([
          'application/json; charset=latin1',
          'application/json; charset=utf-7',
          'multipart/form-data',
          'text/csv',
          '*/*',
          'application/',
        ]);
        break;
      case 'request-id':
        headers['x-request-id'] = pick(['x'.repeat(500), '../..', '%00']);
        break;
      case 'encoding':
        headers['content-encoding'] = pick(['gzip', 'br', 'deflate', 'x']);
        headers['content-type'] = 'application/json';
        return { method: op.method === 'GET' ? 'POST' : op.method, path, headers, body: '{"a":1}', label: `${op.method} ${op.path} ${label}` };
    }
  }
  let body: string | Buffer | undefined;
  if (kind === 'body') {
    const base = sample(spec, op.body ?? undefined) as unknown;
    const v = pick([
      'none',
      'empty',
      'truncated',
      'bytes',
      'wrong-ctype',
      'surrogate',
      'surrogate-all',
      'nested-array',
      'nested-object',
      'duplicate',
      'wrong-type',
      'wrong-type',
      'wrong-type',
      'huge-number',
      'not-object',
      'nul',
      'invalid-utf8',
      'proto',
      'too-large',
    ]);
    label = `body ${v}`;
    headers['content-type'] = op.bodyTypes.includes('application/json') || op.bodyTypes.length === 0 ? 'application/json' : pick(op.bodyTypes);
    const json = JSON.stringify(base ?? {});
    switch (v) {
      case 'none':
        break;
      case 'empty':
        body = '';
        break;
      case 'truncated':
        body = json.slice(0, Math.max(1, Math.floor(json.length * r())));
        break;
      case 'bytes':
        body = Buffer.from(Array.from({ length: 1 + Math.floor(r() * 2000) }, () => Math.floor(r() * 256)));
        break;
      case 'wrong-ctype':
        headers['content-type'] = pick([
          'text/plain',
          'application/xml',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
          'application/octet-stream',
          'image/png',
        ]);
        body = pick([json, 'a=1&b=2', '<a/>', '--x\r\n\r\n--x--']);
        break;
      case 'surrogate':
        body = json.replace(/"x"/g, '"\\ud800"').replace(/^\{/, '{"zz":"\\udfff\\ud800",');
        break;
      case 'surrogate-all':
        body = JSON.stringify(mapStrings(base, () => 'SURROGATE')).replace(/"SURROGATE"/g, '"a\\ud800b"');
        break;
      case 'nested-array': {
        const d = 1000 + Math.floor(r() * 9000);
        body = '['.repeat(d) + ']'.repeat(d);
        break;
      }
      case 'nested-object': {
        const d = 1000 + Math.floor(r() * 4000);
        body = '{"a":'.repeat(d) + '1' + '}'.repeat(d);
        break;
      }
      case 'duplicate':
        body =
          base && typeof base === 'object' && !Array.isArray(base) && Object.keys(base).length
            ? json.replace(/^\{/, `{${JSON.stringify(Object.keys(base)[0])}:${JSON.stringify(pick(WRONG_VALUES))},`)
            : '{"a":1,"a":2}';
        break;
      case 'wrong-type': {
        const o = base && typeof base === 'object' && !Array.isArray(base) ? { ...(base as Record<string, unknown>) } : {};
        const keys = Object.keys(o);
        const k = keys.length ? pick(keys) : 'a';
        o[k] = pick(WRONG_VALUES);
        label += ` ${k}`;
        body = JSON.stringify(o);
        break;
      }
      case 'huge-number': {
        const keys = base && typeof base === 'object' && !Array.isArray(base) ? Object.keys(base) : [];
        const k = keys.length ? pick(keys) : 'a';
        body = json === '{}' ? `{"${k}":${pick(HUGE_NUMBERS)}}` : json.replace(new RegExp(`"${k}":("[^"]*"|[^,}\\]]+)`), `"${k}":${pick(HUGE_NUMBERS)}`);
        label += ` ${k}`;
        break;
      }
      case 'not-object':
        body = pick(['null', '1', '"x"', '[]', 'true', '[{}]']);
        break;
      case 'nul':
        body = JSON.stringify(mapStrings(base, (s) => `${s}\u0000`));
        break;
      case 'invalid-utf8':
        body = Buffer.concat([
          Buffer.from(json.slice(0, -1) + (json.length > 2 ? ',' : '') + '"q":"'),
          Buffer.from([0xc3, 0x28, 0xed, 0xa0, 0x80, 0xff]),
          Buffer.from('"}'),
        ]);
        break;
      case 'proto':
        body = json.replace(/^\{/, '{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"x":1}},');
        break;
      case 'too-large':
        body = `{"a":"${'x'.repeat(1_100_000)}"}`;
        break;
    }
  }
  return { method: op.method, path, headers, body, label: `${op.method} ${op.path} ${label}` };
}

function mapStrings(x: unknown, f: (s: string) => string): unknown {
  if (typeof x === 'string') return f(x);
  if (Array.isArray(x)) return x.map((y) => mapStrings(y, f));
  if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, mapStrings(v, f)]));
  return x;
}

export async function malformedScenario(suite: Suite, own: OwnPostgres): Promise<void> {
  const n = Number(process.env.FAULTS_MALFORMED_REQUESTS ?? (suite.mode === 'full' ? 20_400 : 3000));
  const seed = Number(process.env.FAULTS_SEED ?? Date.now() % 1_000_000);
  const dbUrl = await own.createDatabase('faults_malformed');
  const server = await startPlatform(suite, 'platform (malformed)', platformEnv(suite, dbUrl));
  const admin = await login(server.url);
  const spec = (await (await request(`${server.url}/openapi.json`)).body.json()) as Record<string, unknown>;
  const ops = operations(spec);
  const r = rng(seed);
  suite.log(`malformed: ${ops.length} operations in /openapi.json, ${fmt(n)} requests, seed ${seed}`);
  // Every operation in turn, so each gets n / ops requests; alternately with and without the admin token.
  const { hits, ms } = await fire(
    server.url,
    n,
    8,
    (i) => malformed(spec, ops[i % ops.length]!, r, Math.floor(i / ops.length) % 2 === 0 ? admin : null),
    256 * 1024,
  );
  // RFC 9110 §15.5.14: a server refusing a body over its limit may close the connection; a client
  // still writing the rest then meets EPIPE or a reset before it reads the 413. Counted apart.
  const closedOnTooLarge = (h: Hit) => !!h.error && h.shot.label!.endsWith(' too-large') && /^(EPIPE|ECONNRESET|UND_ERR_SOCKET)\b/.test(h.error);
  const closed = hits.filter(closedOnTooLarge);
  const errors = hits.filter((h) => h.error && !closedOnTooLarge(h));
  const fivexx = hits.filter((h) => h.status >= 500);
  const notProblem = hits.filter((h) => h.status >= 400 && h.status < 500 && problemIssue(h.status, h.contentType, h.body) !== null);
  const byClass = countBy(hits, (h) => (h.error ? 'socket error' : `${Math.floor(h.status / 100)}xx`));
  const by4xx = countBy(
    hits.filter((h) => h.status >= 400 && h.status < 500),
    (h) => String(h.status),
  );
  const covered = new Set(hits.filter((h) => !h.error).map((h) => h.shot.label!.split(' ').slice(0, 2).join(' '))).size;
  const show = (list: Hit[]) =>
    list
      .slice(0, 8)
      .map(
        (h) =>
          `${h.status || h.error}${h.status >= 400 && h.status < 500 ? ` (${problemIssue(h.status, h.contentType, h.body)})` : ''} ← ${h.shot.label} ${h.shot.path.slice(0, 120)} | ${h.contentType} ${h.body.slice(0, 240)}`,
      )
      .join('\n');
  suite.check(
    S,
    'requests sent (seed)',
    `${fmt(hits.length)} in ${fmt(ms / 1000)} s (seed ${seed})`,
    suite.mode === 'full' ? '≥ 20,000' : 'a few thousand (short)',
    suite.mode === 'full' ? hits.length >= 20_000 : hits.length >= 1000,
  );
  suite.check(S, 'operations of /openapi.json exercised', `${covered} / ${ops.length}`, 'all', covered === ops.length);
  suite.check(S, 'answers by class', summary(byClass), '', null);
  suite.check(S, '4xx by status', summary(by4xx), '', null);
  suite.check(S, '5xx answers', fivexx.length, '0', fivexx.length === 0, show(fivexx));
  const variant = (h: Hit) => h.shot.label!.split(' ').slice(2).join(' ');
  suite.check(
    S,
    '4xx that are not problem+json with title/title_en',
    `${fmt(notProblem.length)} (${fmt(100 - (100 * notProblem.length) / Math.max(1, hits.length - fivexx.length - errors.length))} % problem+json)`,
    '0 (100 %)',
    notProblem.length === 0,
    notProblem.length ? `by variant: ${summary(countBy(notProblem, variant))}\n${show(notProblem)}` : undefined,
  );
  suite.check(S, 'socket errors (after one retry of a reset)', errors.length, '0', errors.length === 0, show(errors));
  suite.check(S, 'bodies over the limit refused by closing the connection (RFC 9110 §15.5.14)', closed.length, '', null);
  suite.check(S, 'requests retried after a reset connection', hits.filter((h) => h.retried).length, '', null);

  for (const c of RAW_CASES) {
    const a = await raw(server.url, c.bytes());
    const issue =
      a.status === c.expect ? (a.body || a.contentType ? problemIssue(a.status, a.contentType, a.body) : 'no body') : `status ${a.status || 'none'}`;
    suite.check(
      S,
      `raw: ${c.name}`,
      a.status ? `${a.status} ${a.contentType.split(';')[0] || '(no content-type)'}` : `no answer (${a.note})`,
      `${c.expect} problem+json`,
      issue === null,
      issue === null ? undefined : `${issue}: ${a.head.slice(0, 300)} ${a.body.slice(0, 300)}`,
    );
  }
  suite.check(
    S,
    'server still running',
    alive(server) ? 'yes' : `no (code ${server.child.exitCode})`,
    'yes',
    alive(server),
    alive(server) ? undefined : tail(server.output()),
  );
  await server.stop();
}

const RAW_CASES: Array<{ name: string; expect: number; bytes: () => string }> = [
  { name: 'oversized headers (20 KB header)', expect: 431, bytes: () => `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n` },
  { name: 'no Host header', expect: 400, bytes: () => 'GET /healthz HTTP/1.1\r\n\r\n' },
  { name: 'over-long URL (20,000 characters)', expect: 414, bytes: () => `GET /api/v1/datasets/${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n` },
  { name: 'garbage request line', expect: 400, bytes: () => 'HELLO WORLD\r\n\r\n' },
  {
    name: 'broken chunked body',
    expect: 400,
    bytes: () => 'POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
  },
  {
    name: 'Content-Length and Transfer-Encoding both',
    expect: 400,
    bytes: () =>
      'POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
  },
  {
    name: 'Content-Length not a number',
    expect: 400,
    bytes: () => 'POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: abc\r\n\r\n{}',
  },
  { name: 'space in a header name', expect: 400, bytes: () => 'GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n' },
];

/** Sends raw bytes, returns the first answer (status, content-type, body) or why there was none. */
function raw(baseUrl: string, bytes: string): Promise<{ status: number; contentType: string; body: string; head: string; note: string }> {
  const u = new URL(baseUrl);
  return new Promise((resolve) => {
    const sock = net.connect(Number(u.port), u.hostname);
    let data = '';
    const done = (note: string) => {
      clearTimeout(timer);
      sock.destroy();
      const [head = '', ...rest] = data.split('\r\n\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
      const contentType = /\r\ncontent-type:\s*([^\r\n]*)/i.exec(head)?.[1] ?? '';
      resolve({ status, contentType, body: rest.join('\r\n\r\n'), head, note });
    };
    const timer = setTimeout(() => done('timed out after 5 s'), 5000);
    sock.on('data', (c: Buffer) => {
      data += c.toString('latin1');
      const [head = ''] = data.split('\r\n\r\n');
      const len = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? -1);
      if (data.includes('\r\n\r\n') && len >= 0 && Buffer.byteLength(data.slice(head.length + 4), 'latin1') >= len) done('complete');
    });
    sock.on('close', () => done('closed'));
    sock.on('error', (e) => done(`error ${e.message}`));
    sock.write(bytes);
  });
}
