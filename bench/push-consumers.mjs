// The consumers of the push benchmarks (push-stream.ts, push-webhook.ts), on a worker thread of
// their own: SSE readers or webhook receivers parse what they get off the platform's event loop,
// as consumer systems on other machines would, while still sharing the machine's two cores.
// Plain JavaScript: a worker thread does not inherit the tsx loader of the main thread.
//
// workerData: { mode: 'stream', count, url, token, purpose } or { mode: 'webhook', count }.
// Posts { ready, urls? } once listening or connected, { progress: received } every 100 ms, and on
// the message 'finish' { keys, at, received, events, duplicates }: every change received (its record
// key, and when, as performance.timeOrigin + performance.now()) by every consumer, de-duplicated by
// feed position (the number in the event id) per consumer.
import http from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import { createParser } from 'eventsource-parser';

const now = () => performance.timeOrigin + performance.now();
const tally = { keys: [], at: [], received: 0, events: 0, duplicates: 0 };
/** Per consumer, the feed positions it has had (a change's id is `<dataset>:<position>`): numbers, not strings, so the bookkeeping stays light. */
const seen = [];

function receive(consumer, position, key, at) {
  const had = seen[consumer] ?? (seen[consumer] = new Set());
  if (had.has(position)) {
    tally.duplicates++;
    return;
  }
  had.add(position);
  tally.keys.push(key);
  tally.at.push(at);
  tally.received++;
}

async function streams({ count, url, token, purpose }) {
  const abort = new AbortController();
  const opened = [];
  const done = Array.from({ length: count }, async (_, n) => {
    const res = await fetch(url, {
      headers: { authorization: `Bearer ${token}`, 'lienthong-purpose': purpose, accept: 'text/event-stream' },
      signal: abort.signal,
    });
    if (!res.ok || !res.body) throw new Error(`stream: ${res.status} ${await res.text()}`);
    opened.push(n);
    const parser = createParser({
      onEvent: (e) => {
        if (e.event !== 'changes') return;
        const at = now();
        tally.events++;
        const body = JSON.parse(e.data.slice(e.data.indexOf('\n') + 1));
        for (const item of body.items) receive(n, item.position, item.key, at);
      },
    });
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body) parser.feed(decoder.decode(chunk, { stream: true }));
    } catch {
      // (aborted at the end)
    }
  });
  while (opened.length < count) await new Promise((r) => setTimeout(r, 20));
  return { close: async () => (abort.abort(), await Promise.allSettled(done)) };
}

async function receivers({ count }) {
  const servers = await Promise.all(
    Array.from({ length: count }, async (_, n) => {
      const server = http.createServer((req, res) => {
        const chunks = [];
        req.on('data', (c) => chunks.push(c));
        req.on('end', () => {
          const at = now();
          tally.events++;
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          for (const e of Array.isArray(body) ? body : [body]) receive(n, Number(e.lienthongposition), e.subject, at);
          res.writeHead(204).end();
        });
      });
      server.keepAliveTimeout = 60_000;
      await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
      return server;
    }),
  );
  return {
    urls: servers.map((s, n) => `http://127.0.0.1:${s.address().port}/r/${n}`),
    close: () => Promise.all(servers.map((s) => new Promise((resolve) => (s.closeAllConnections(), s.close(resolve))))),
  };
}

const consumers = workerData.mode === 'stream' ? await streams(workerData) : await receivers(workerData);
parentPort.postMessage({ ready: true, urls: consumers.urls });
const progress = setInterval(() => parentPort.postMessage({ progress: tally.received }), 100);
parentPort.on('message', async (msg) => {
  if (msg !== 'finish') return;
  clearInterval(progress);
  await consumers.close();
  parentPort.postMessage({ ...tally, at: Float64Array.from(tally.at) });
  parentPort.close();
});
