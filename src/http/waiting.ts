import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PROBLEMS, Problem } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import type { Listener } from '../core/zones.ts';

/** Seconds a client is asked to wait before trying again while the database is away. */
const WAITING_RETRY_AFTER = '5';

/**
 * What `serve` answers while it cannot reach its database at start: the process is alive
 * (`/healthz` 200) but not ready (`/readyz` 503), and every other request gets the same 503
 * problem with `Retry-After`. A load balancer then keeps traffic away without the process exiting
 * and being restarted in a loop. Plain `node:http`: there is nothing to route and no body to read.
 */
export async function listenWhileWaiting(listeners: Listener[]): Promise<{ bound: Listener[]; close(): Promise<void> }> {
  const servers: http.Server[] = [];
  const bound: Listener[] = [];
  for (const l of listeners) {
    const server = http.createServer(answerWaiting);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(l.port, l.host, () => resolve());
    });
    servers.push(server);
    bound.push({ ...l, port: (server.address() as AddressInfo).port });
  }
  return {
    bound,
    close: () =>
      Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve());
              s.closeAllConnections();
            }),
        ),
      ).then(() => undefined),
  };
}

function answerWaiting(req: http.IncomingMessage, res: http.ServerResponse): void {
  const path = (req.url ?? '/').split('?')[0]!;
  // Nothing of a request body is read: drop the connection after answering.
  const headers = { 'cache-control': 'no-store', connection: 'close', 'x-content-type-options': 'nosniff' };
  if (path === '/healthz') {
    res.writeHead(200, { ...headers, 'content-type': 'application/json; charset=utf-8' }).end('{"status":"ok"}');
    return;
  }
  const problem = new Problem(PROBLEMS.unavailable, {
    detail: 'Máy chủ đang chờ cơ sở dữ liệu sẵn sàng; hãy thử lại sau.',
    detail_en: 'The server is waiting for its database; try again later.',
  });
  const body = JSON.stringify(problem.body(path, newId()));
  res.writeHead(503, { ...headers, 'content-type': 'application/problem+json; charset=utf-8', 'retry-after': WAITING_RETRY_AFTER }).end(body);
}
