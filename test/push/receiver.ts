import http from 'node:http';
import type { AddressInfo } from 'node:net';

interface Delivery {
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** What the receiver answered (null while held). */
  status: number | null;
}

/** How the receiver answers its n-th request (from 0): a status (and headers), or `hold` until `releaseHeld`. */
export type Behaviour = (n: number) => { status: number; headers?: Record<string, string> } | 'hold';

/** A real HTTP receiver on a free port, recording every request it gets. */
export async function startReceiver(behaviour: Behaviour = () => ({ status: 204 })) {
  let behave = behaviour;
  const deliveries: Delivery[] = [];
  const held: { res: http.ServerResponse; d: Delivery }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const d: Delivery = { headers: req.headers, body: Buffer.concat(chunks), status: null };
      const n = deliveries.length;
      deliveries.push(d);
      const b = behave(n);
      if (b === 'hold') {
        held.push({ res, d });
        return;
      }
      d.status = b.status;
      res.writeHead(b.status, b.headers ?? {}).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return {
    url,
    deliveries,
    setBehaviour(b: Behaviour) {
      behave = b;
    },
    /** Answers the requests held so far (those whose sender gave up get nothing). */
    releaseHeld(status = 204) {
      for (const h of held.splice(0)) {
        h.d.status = status;
        if (!h.res.destroyed) h.res.writeHead(status).end();
      }
    },
    /** The CloudEvents of the requests answered 2xx, in order (a batch is flattened). */
    events(): Record<string, unknown>[] {
      return deliveries
        .filter((d) => d.status !== null && d.status < 300)
        .flatMap((d) => {
          const v = JSON.parse(d.body.toString('utf8')) as unknown;
          return (Array.isArray(v) ? v : [v]) as Record<string, unknown>[];
        });
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const h of held.splice(0)) h.res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type Receiver = Awaited<ReturnType<typeof startReceiver>>;

/** Polls `check` until it is true (generous: the machine may be loaded). */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
