/**
 * The floor of the gateway's own guarantees: a server that does only what the law requires of each
 * response and nothing else — Fastify, one Ed25519 signature over the body (a detached JWS, as the
 * gateway sends it), and one row committed to PostgreSQL by group commit before the answer leaves
 * nothing leaves unlogged). No token, no decision, no shaping, no Merkle tree, no receipt.
 * The gateway's benchmark divides the gateway's rate by this one's, measured in the same run.
 *
 * Environment: FLOOR_BODY (the JSON the gateway returns), DATABASE_URL (PostgreSQL; the run creates
 * `bench_floor_log` there).
 */
import crypto from 'node:crypto';
import Fastify from 'fastify';
import pg from 'pg';

const BODY = Buffer.from(process.env.FLOOR_BODY ?? '{"status":"ok"}', 'utf8');
const url = process.env.DATABASE_URL;
if (!url) throw new Error('the floor server needs DATABASE_URL (PostgreSQL)');

const pool = new pg.Pool({ connectionString: url, max: 10 });
await pool.query(`CREATE TABLE IF NOT EXISTS bench_floor_log (
  id uuid PRIMARY KEY, content_sha256 bytea NOT NULL, logged_at timestamptz NOT NULL)`);

const { privateKey } = crypto.generateKeyPairSync('ed25519');
const b64u = (b: Buffer): string => b.toString('base64url');
const HEADER = b64u(Buffer.from(JSON.stringify({ alg: 'EdDSA', kid: 'floor' })));

/** Detached compact JWS over the body: the same bytes signed as the gateway signs them. */
function sign(body: Buffer): string {
  const input = Buffer.from(`${HEADER}.${b64u(body)}`, 'latin1');
  return `${HEADER}..${b64u(crypto.sign(null, input, privateKey))}`;
}

/** Group commit as the ledger's appender does it: collect for ≤ 2 ms or 256 rows, one autocommitted INSERT a group. */
interface Pending {
  id: string;
  digest: Buffer;
  done: (err?: Error) => void;
}
let group: Pending[] = [];
let timer: NodeJS.Timeout | undefined;

function flush(): void {
  const rows = group;
  group = [];
  timer = undefined;
  const now = new Date();
  pool
    .query('INSERT INTO bench_floor_log (id, content_sha256, logged_at) SELECT * FROM unnest($1::uuid[], $2::bytea[], $3::timestamptz[])', [
      rows.map((r) => r.id),
      rows.map((r) => r.digest),
      rows.map(() => now),
    ])
    .then(
      () => rows.forEach((r) => r.done()),
      (err: Error) => rows.forEach((r) => r.done(err)),
    );
}

function logDurably(body: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    group.push({ id: crypto.randomUUID(), digest: crypto.createHash('sha256').update(body).digest(), done: (err) => (err ? reject(err) : resolve()) });
    if (group.length >= 256) {
      clearTimeout(timer);
      flush();
    } else timer ??= setTimeout(flush, 2);
  });
}

const app = Fastify({ logger: false });
app.get('/floor', async (_req, reply) => {
  const signature = sign(BODY);
  await logDurably(BODY);
  return reply.header('content-type', 'application/json; charset=utf-8').header('x-jws-signature', signature).send(BODY);
});

await app.listen({ host: '127.0.0.1', port: 0 });
const addr = app.server.address();
console.log(`floor server listening on port ${typeof addr === 'object' && addr ? addr.port : '?'}`);

const stop = async (): Promise<void> => {
  await app.close();
  await pool.end();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
