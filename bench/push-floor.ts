/**
 * `npm run bench:webhook-floor`: the floor of webhook push's own guarantees on this machine — what
 * the goal "1,000 changes/s to 100 subscribers, p99 ≤ 1 s" costs with nothing but what each
 * delivery must carry, so that the platform's figure (bench/push-webhook.ts) can be read against
 * what the machine can do at all. As bench/floor-server.ts is to the gateway.
 *
 * Each change is shaped once (its JSON text made in advance, the size of the platform's: the four
 * granted fields and the masked personal one). Each subscription sends its pending changes one
 * request at a time (order kept, as the platform does), up to BENCH_BATCH_MAX events a request:
 * CloudEvents batch JSON naming the subscription in each event, a detached Ed25519 JWS over the
 * body and a Standard Webhooks `v1a` Ed25519 signature, one row committed to PostgreSQL by group
 * commit before it is sent (R-17.2), then the POST over undici (4 connections an origin). No
 * platform, no database reads, no decision, no Merkle tree, no writes of the records themselves:
 * a floor, not a design. Receivers and their bookkeeping are the platform benchmark's own
 * (push-consumers.mjs, on a worker thread); a change's latency runs from the moment it is made
 * available to the moment a receiver has parsed it. Same knobs as bench:webhook, same warm-up.
 */
import crypto from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import pg from 'pg';
import { Agent, request } from 'undici';
import { startConsumers, wallNow, webhookKnobs } from './push-consumers.ts';
import { BASE_URL, memberOf, writeSection } from './sync-setup.ts';

const { SUBSCRIPTIONS, RATE, BATCH, BATCH_MAX, DURATION_S, WARMUP_S } = webhookKnobs();
const DATASET = 'can-bo-dang-vien';
const SOURCE = JSON.stringify(`http://127.0.0.1/data/v1/${DATASET}`);

interface Change {
  position: number;
  key: string;
  json: string;
  time: string;
}

/** A change as the gateway shapes it for the benchmark's grant (four fields whole, the citizen id masked). */
function change(position: number): Change {
  const key = `wf-${position}`;
  const m = memberOf(position);
  const time = new Date().toISOString();
  const data = {
    member_number: m.member_number,
    full_name: m.full_name,
    date_of_birth: m.date_of_birth,
    province_code: m.province_code,
    citizen_id: `********${m.citizen_id.slice(-4)}`,
  };
  return { position, key, time, json: JSON.stringify({ id: `${DATASET}:${position}`, position, key, version: 1, op: 'upsert', changed_at: time, data }) };
}

function body(changes: Change[], subscription: string): Buffer {
  const shared = `{"specversion":"1.0","source":${SOURCE},"lienthongsubscription":${JSON.stringify(subscription)}`;
  const events = changes.map(
    (c) =>
      `${shared},"id":"${DATASET}:${c.position}","type":"vn.lienthong.record.upserted","subject":${JSON.stringify(c.key)},"time":"${c.time}","datacontenttype":"application/json","lienthongposition":"${c.position}","data":${c.json}}`,
  );
  return Buffer.from(`[${events.join(',')}]`);
}

const { privateKey } = crypto.generateKeyPairSync('ed25519');
const JWS_HEADER = Buffer.from(JSON.stringify({ alg: 'EdDSA', kid: 'floor' })).toString('base64url');
/**
 * BENCH_JWS=each (default): a detached JWS over the body, as the gateway signs each answer by
 * default. BENCH_JWS=digest: one Ed25519 signature over the body's SHA-256 a request — at most
 * what a delivery costs with the gateway's batch signatures (docs/batch-signatures.md: a leaf is
 * the body's digest, one signature covers a group), so the floor of that mode.
 */
const JWS_MODE = process.env.BENCH_JWS === 'digest' ? 'digest' : 'each';
const jws = (b: Buffer) =>
  JWS_MODE === 'each'
    ? `${JWS_HEADER}..${crypto.sign(null, Buffer.from(`${JWS_HEADER}.${b.toString('base64url')}`, 'latin1'), privateKey).toString('base64url')}`
    : crypto.sign(null, crypto.hash('sha256', b, 'buffer'), privateKey).toString('base64url');
const webhookSignature = (id: string, ts: number, b: Buffer) =>
  `v1a,${crypto.sign(null, Buffer.concat([Buffer.from(`${id}.${ts}.`), b]), privateKey).toString('base64')}`;

/** Group commit as the ledger's appender does it: ≤ 2 ms or 256 rows, one autocommitted INSERT a group. */
function groupCommit(pool: pg.Pool) {
  let group: { digest: Buffer; done: (err?: Error) => void }[] = [];
  let timer: NodeJS.Timeout | undefined;
  function flush(): void {
    const rows = group;
    group = [];
    timer = undefined;
    pool
      .query('INSERT INTO bench_push_floor_log (id, content_sha256, logged_at) SELECT gen_random_uuid(), d, now() FROM unnest($1::bytea[]) AS d', [
        rows.map((r) => r.digest),
      ])
      .then(
        () => rows.forEach((r) => r.done()),
        (err: Error) => rows.forEach((r) => r.done(err)),
      );
  }
  return (b: Buffer) =>
    new Promise<void>((resolve, reject) => {
      group.push({ digest: crypto.hash('sha256', b, 'buffer'), done: (err) => (err ? reject(err) : resolve()) });
      if (group.length >= 256) {
        clearTimeout(timer);
        flush();
      } else timer ??= setTimeout(flush, 2);
    });
}

async function main(): Promise<void> {
  const pool = new pg.Pool({ connectionString: BASE_URL, max: 10 });
  await pool.query('CREATE TABLE IF NOT EXISTS bench_push_floor_log (id uuid PRIMARY KEY, content_sha256 bytea NOT NULL, logged_at timestamptz NOT NULL)');
  const log = groupCommit(pool);
  const receivers = await startConsumers({ mode: 'webhook', count: SUBSCRIPTIONS });
  const agent = new Agent({ connections: 4 });
  const pending: Change[][] = Array.from({ length: SUBSCRIPTIONS }, () => []);
  const sending: boolean[] = Array.from({ length: SUBSCRIPTIONS }, () => false);
  const loop = monitorEventLoopDelay({ resolution: 5 });
  let requests = 0;

  async function send(n: number): Promise<void> {
    if (sending[n]) return;
    sending[n] = true;
    try {
      while (pending[n]!.length > 0) {
        const changes = pending[n]!.splice(0, BATCH_MAX);
        const b = body(changes, `sub-${n}`);
        const id = `${DATASET}:${changes[0]!.position}-${changes.at(-1)!.position}`;
        const ts = Math.floor(Date.now() / 1000);
        const headers = {
          'content-type': 'application/cloudevents-batch+json',
          'webhook-id': id,
          'webhook-timestamp': String(ts),
          'webhook-signature': webhookSignature(id, ts, b),
          'x-jws-signature': jws(b),
        };
        await log(b);
        const res = await request(receivers.urls[n]!, { method: 'POST', headers, body: b, dispatcher: agent });
        await res.body.dump();
        requests++;
      }
    } finally {
      sending[n] = false;
    }
  }

  const committed = new Map<string, number>();
  const warming = new Map<string, number>();
  const intervalMs = (1000 * BATCH) / RATE;
  const started = performance.now();
  const measuredFrom = started + WARMUP_S * 1000;
  let position = 0;
  let written = 0;
  let total = 0;
  let late = 0;
  loop.enable();
  console.log(`floor: ${SUBSCRIPTIONS} subscriptions; ${RATE} changes/s in batches of ${BATCH}, ${WARMUP_S} s unmeasured, then ${DURATION_S} s…`);
  for (let i = 0; performance.now() - measuredFrom < DURATION_S * 1000; i++) {
    const due = started + i * intervalMs;
    const measured = due >= measuredFrom;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    else if (measured) late++;
    const batch = Array.from({ length: BATCH }, () => change(++position));
    const at = wallNow();
    for (const c of batch) (measured ? committed : warming).set(c.key, at);
    total += BATCH;
    if (measured) written += BATCH;
    for (let n = 0; n < SUBSCRIPTIONS; n++) {
      pending[n]!.push(...batch);
      void send(n).catch((err: unknown) => console.error(`subscription ${n}:`, err));
    }
  }
  loop.disable();
  const until = performance.now() + 120_000;
  while (receivers.received() < total * SUBSCRIPTIONS && performance.now() < until) await new Promise((r) => setTimeout(r, 100));
  const t = await receivers.finish(committed, warming);
  await agent.close();
  await pool.query('DROP TABLE bench_push_floor_log');
  await pool.end();

  const l = t.latencies;
  const q = (p: number) => l[Math.min(l.length - 1, Math.floor(p * l.length))] ?? NaN;
  const ms = (n: number) => `${n.toFixed(0)} ms`;
  const complete = t.received === total * SUBSCRIPTIONS;
  const section =
    [
      `## Floor of webhook push (what each delivery must carry, nothing else; JWS ${JWS_MODE === 'each' ? 'per delivery' : 'over the digest, as batch signatures'}) on this machine`,
      '',
      `Command: \`npm run bench:webhook-floor\` (BENCH_SUBSCRIPTIONS=${SUBSCRIPTIONS} BENCH_RATE=${RATE} BENCH_BATCH=${BATCH} BENCH_BATCH_MAX=${BATCH_MAX} BENCH_DURATION=${DURATION_S} BENCH_WARMUP=${WARMUP_S} BENCH_JWS=${JWS_MODE}; sender in one process, the ${SUBSCRIPTIONS} receiving servers on a worker thread, PostgreSQL for the log rows; bench/push-floor.ts says what it does and does not do). ${new Date().toISOString().slice(0, 10)}.`,
      '',
      '| what | value |',
      '|---|---:|',
      `| changes made available in the measured window | ${written.toLocaleString('en-US')} (${late} batches started late) |`,
      `| changes delivered (all subscriptions, de-duplicated) | ${t.received.toLocaleString('en-US')} of ${(total * SUBSCRIPTIONS).toLocaleString('en-US')} (warm-up included) in ${requests.toLocaleString('en-US')} requests; ${t.duplicates} duplicates |`,
      `| available → webhook received, p50 | ${ms(q(0.5))} |`,
      `| available → webhook received, p99 | ${ms(q(0.99))} |`,
      `| available → webhook received, max | ${ms(l.at(-1) ?? NaN)} |`,
      `| warm-up (not measured): p99 / max | ${ms(t.warmup[Math.floor(0.99 * t.warmup.length)] ?? NaN)} / ${ms(t.warmup.at(-1) ?? NaN)} |`,
      `| sender's event loop delay while writing, p99 / max | ${ms(loop.percentile(99) / 1e6)} / ${ms(loop.max / 1e6)} |`,
      '',
      `The floor ${complete && q(0.99) <= 1000 ? 'meets' : 'does not meet'} the goal's p99 ≤ 1 s at ${RATE.toLocaleString('en-US')} changes/s to ${SUBSCRIPTIONS} subscribers in this run.`,
    ].join('\n') + '\n';
  console.log(`\n${section}`);
  if (process.env.BENCH_WRITE === '1') writeSection(`webhook-floor-${JWS_MODE}`, section);
}

await main();
process.exit(0);
