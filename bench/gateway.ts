/**
 * The data gateway's benchmarks, run by `npm run bench` after the admin-API comparison: the data gateway's
 * full pipeline (token, decision, shaping, signature, durable log entry) against baselines
 * measured in the same run, under the same load (default 50 connections):
 *   1. hosted read  `GET /data/v1/can-bo-dang-vien/records/dv-1`  vs bare Fastify returning the same JSON,
 *      and again on a platform started with LIENTHONG_RESPONSE_SIGNATURES=batch (docs/batch-signatures.md);
 *   2. proxy read   `GET /data/v1/khen-thuong/records/KT-1`        vs a minimal Fastify → undici proxy,
 *      both forwarding to the same upstream process.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/core/config.ts';
import { HOSTED, PROXIED, prepareGatewayWorld } from './gateway-setup.ts';
import { type LoadOptions, type Measurement, measure } from './measure.ts';
import { type RunningServer, type ServerSpec, serveArgs } from './servers.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tsx = (file: string) => ['--import', 'tsx', path.join(ROOT, 'bench', file)];

export interface GatewayResults {
  /** floor: the signed-and-logged minimum (bench/floor-server.ts), on PostgreSQL only */
  /** gatewayBatch: the same hosted read, answers signed in batches (one Ed25519 signature over a Merkle root) */
  hosted: { bare: Measurement; gateway: Measurement; gatewayBatch: Measurement; floor?: Measurement };
  proxy: { bare: Measurement; gateway: Measurement };
  connections: number;
}

type Start = (spec: ServerSpec) => Promise<RunningServer>;

async function fetchOk(url: string, init: RequestInit = {}): Promise<Response> {
  const res = await fetch(url, init);
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${res.status} ${await res.text()}`);
  return res;
}

/** `env` is the platform's environment (data directory or DATABASE_URL, admin credentials). */
export async function benchGateway(start: Start, env: NodeJS.ProcessEnv, load: LoadOptions): Promise<GatewayResults> {
  const upstream = await start({ name: 'upstream', args: tsx('upstream-server.ts'), env: process.env, readyPattern: /listening on port (\d+)/ });
  const { clientId, clientSecret } = await prepareGatewayWorld(loadConfig(env), upstream.url);

  const account = { clientId, clientSecret };
  const { platform, headers } = await startPlatform(start, env, account, 'each');
  const hostedUrl = `${platform.url}/data/v1/${HOSTED.dataset}/records/${HOSTED.key}`;
  const proxyUrl = `${platform.url}/data/v1/${PROXIED.dataset}/records/${PROXIED.key}`;
  const hostedBody = await (await fetchOk(hostedUrl, { headers })).text();
  const probe = await fetchOk(proxyUrl, { headers });
  if (!probe.headers.get('x-jws-signature') || !probe.headers.get('lienthong-receipt')) throw new Error('the gateway answered without signature or receipt');
  const gatewayHosted = await measure(`gateway hosted read \`GET /data/v1/${HOSTED.dataset}/records/${HOSTED.key}\``, hostedUrl, headers, load);
  const gatewayProxy = await measure(`gateway proxy read \`GET /data/v1/${PROXIED.dataset}/records/${PROXIED.key}\``, proxyUrl, headers, load);
  await platform.stop();
  const gatewayBatch = await measureBatchMode(start, env, account, load);

  const bare = await start({
    name: 'bare server (same JSON)',
    args: tsx('bare-server.ts'),
    env: { ...process.env, BARE_BODY: hostedBody },
    readyPattern: /listening on port (\d+)/,
  });
  const bareHosted = await measure('bare Fastify returning the same JSON', `${bare.url}/bare`, {}, load);
  await bare.stop();

  const floor = env.DATABASE_URL ? await measureFloor(start, env.DATABASE_URL, hostedBody, load) : undefined;

  const bareProxy = await start({
    name: 'bare proxy',
    args: tsx('bare-proxy.ts'),
    env: { ...process.env, UPSTREAM_URL: upstream.url },
    readyPattern: /listening on port (\d+)/,
  });
  const bareProxied = await measure('bare Fastify → undici proxy', `${bareProxy.url}/proxy/records/${PROXIED.key}`, {}, load);
  await bareProxy.stop();
  await upstream.stop();
  return {
    hosted: { bare: bareHosted, gateway: gatewayHosted, gatewayBatch, ...(floor && { floor }) },
    proxy: { bare: bareProxied, gateway: gatewayProxy },
    connections: load.connections,
  };
}

/** The floor of the guarantees (one Ed25519 signature + one row by group commit a response), same body, same database. */
async function measureFloor(start: Start, databaseUrl: string, body: string, load: LoadOptions): Promise<Measurement> {
  const floor = await start({
    name: 'floor (signed and logged)',
    args: tsx('floor-server.ts'),
    env: { ...process.env, DATABASE_URL: databaseUrl, FLOOR_BODY: body },
    readyPattern: /listening on port (\d+)/,
  });
  const probe = await fetchOk(`${floor.url}/floor`);
  if (!probe.headers.get('x-jws-signature') || (await probe.text()) !== body) throw new Error('the floor server answered another body or no signature');
  const m = await measure('floor: Fastify + Ed25519 JWS + one row by group commit, same JSON', `${floor.url}/floor`, {}, load);
  await floor.stop();
  return m;
}

/** The platform as `npm start` runs it, with its answers signed `each` or in `batch`; and the headers of a consumer's read. */
async function startPlatform(start: Start, env: NodeJS.ProcessEnv, account: { clientId: string; clientSecret: string }, signatures: 'each' | 'batch') {
  const platform = await start({
    name: `platform (gateway, ${signatures} signatures)`,
    args: serveArgs(),
    // No rate limit in the way of the load generator's single account; the check itself still runs.
    env: { ...env, LIENTHONG_RATE_LIMIT_PER_SECOND: '10000000', LIENTHONG_ACCESS_TOKEN_TTL_SECONDS: '3600', LIENTHONG_RESPONSE_SIGNATURES: signatures },
    readyPattern: /Console:\s+http:\/\/[^\s/]+:(\d+)/,
  });
  const token = await fetchOk(`${platform.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: account.clientId, client_secret: account.clientSecret }),
  }).then((r) => r.json() as Promise<{ access_token: string }>);
  return { platform, headers: { authorization: `Bearer ${token.access_token}`, 'lienthong-purpose': HOSTED.purpose } };
}

/** The same hosted read on a platform that signs its answers in batches (docs/batch-signatures.md). */
async function measureBatchMode(
  start: Start,
  env: NodeJS.ProcessEnv,
  account: { clientId: string; clientSecret: string },
  load: LoadOptions,
): Promise<Measurement> {
  const { platform, headers } = await startPlatform(start, env, account, 'batch');
  const url = `${platform.url}/data/v1/${HOSTED.dataset}/records/${HOSTED.key}`;
  const probe = await fetchOk(url, { headers });
  if (!probe.headers.get('lienthong-batch-signature') || probe.headers.get('x-jws-signature'))
    throw new Error('the batch-mode gateway did not answer with a batch signature alone');
  const m = await measure(`gateway hosted read, batch signatures (\`LIENTHONG_RESPONSE_SIGNATURES=batch\`)`, url, headers, load);
  await platform.stop();
  return m;
}
