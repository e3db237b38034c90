/**
 * Baseline of the proxy benchmark: the least a Fastify → undici proxy does — forward the GET to
 * the upstream (UPSTREAM_URL) and return its body. No auth, decision, shaping, signature or log.
 */
import Fastify from 'fastify';
import { Pool } from 'undici';

const upstream = new Pool(process.env.UPSTREAM_URL!, { connections: 64 });
const app = Fastify({ logger: false });
app.get('/proxy/records/:key', async (req, reply) => {
  const res = await upstream.request({ method: 'GET', path: `/records/${(req.params as { key: string }).key}` });
  return reply
    .code(res.statusCode)
    .header('content-type', String(res.headers['content-type']))
    .send(Buffer.from(await res.body.arrayBuffer()));
});
await app.listen({ host: '127.0.0.1', port: 0 });
const addr = app.server.address();
console.log(`bare proxy listening on port ${typeof addr === 'object' && addr ? addr.port : '?'}`);
process.on(
  'SIGTERM',
  () =>
    void app
      .close()
      .then(() => upstream.close())
      .then(() => process.exit(0)),
);
