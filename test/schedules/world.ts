import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A custodian's service as the pull contract wants it (docs/schedules.md), started on a free port. */
export interface SourceService {
  url: string;
  /** Records at the source, with the sequence number of their last change. */
  records: Map<string, { seq: number; data: Record<string, unknown> }>;
  /** Every query string the platform sent. */
  queries: URLSearchParams[];
  /** The address each call came from (R-12.2: secret data's calls leave from the dedicated network's). */
  peers: string[];
  put(key: string, data: Record<string, unknown>): void;
  remove(key: string): void;
  /** A promise that never settles while set: the service hangs (a runner "dies" waiting on it). */
  hang: boolean;
  close(): Promise<void>;
}

const PAGE = 2;

export async function startSource(): Promise<SourceService> {
  let seq = 0;
  const records = new Map<string, { seq: number; data: Record<string, unknown> }>();
  const removed = new Map<string, number>();
  const queries: URLSearchParams[] = [];
  const peers: string[] = [];
  const state = { hang: false };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/records') {
      res.writeHead(404).end();
      return;
    }
    queries.push(url.searchParams);
    peers.push(req.socket.remoteAddress ?? '');
    if (state.hang) return; // never answers
    const since = Number(url.searchParams.get('updated_since') ?? '0');
    const offset = Number(url.searchParams.get('page') ?? '0');
    const changed = [
      ...[...records].filter(([, r]) => r.seq > since).map(([key, r]) => ({ key, data: r.data, seq: r.seq })),
      // Removals are told to incremental readers; a full listing simply leaves the key out.
      ...(url.searchParams.has('updated_since') ? [...removed].filter(([, s]) => s > since).map(([key, s]) => ({ key, deleted: true, seq: s })) : []),
    ].sort((a, b) => a.seq - b.seq);
    const items = changed.slice(offset, offset + PAGE).map(({ seq: _s, ...it }) => it);
    const last = offset + PAGE >= changed.length;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ items, next_page: last ? null : String(offset + PAGE), cursor: last ? String(seq) : null }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    records,
    queries,
    peers,
    put(key, data) {
      removed.delete(key);
      records.set(key, { seq: ++seq, data });
    },
    remove(key) {
      records.delete(key);
      removed.set(key, ++seq);
    },
    get hang() {
      return state.hang;
    },
    set hang(v: boolean) {
      state.hang = v;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A consumer's endpoint: keeps what it receives; answers `status` (200 unless told otherwise). */
export interface Receiver {
  url: string;
  received: { headers: http.IncomingHttpHeaders; body: string }[];
  status: number;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const state = { status: 200 };
  const received: Receiver['received'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(state.status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/lienthong/batches`,
    received,
    get status() {
      return state.status;
    },
    set status(v: number) {
      state.status = v;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
