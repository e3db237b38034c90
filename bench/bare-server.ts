/**
 * Baseline for the benchmark: the same Fastify major version the platform uses,
 * with nothing on top (no logger, hooks, auth, database, schema), answering a
 * fixed small JSON object. Run by bench/run.ts in its own process, like the
 * platform, so both servers get one core's worth of event loop each.
 */
import Fastify from 'fastify';

// BARE_BODY: the gateway benchmark has the baseline return the very JSON the gateway returns.
const BODY: unknown = process.env.BARE_BODY ? JSON.parse(process.env.BARE_BODY) : { status: 'ok', service: 'bare-fastify', version: 1 };

const app = Fastify({ logger: false });
app.get('/bare', async () => BODY);

// Port 0: the OS picks a free port; the parent reads it from this line.
await app.listen({ host: '127.0.0.1', port: 0 });
const addr = app.server.address();
console.log(`bare server listening on port ${typeof addr === 'object' && addr ? addr.port : '?'}`);

const stop = async (): Promise<void> => {
  await app.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
