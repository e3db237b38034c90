/**
 * The queue-writer thread (see queue-thread.ts): hashes the leaves of each group it is sent,
 * writes the group as one COPY through its own connections, and answers with the leaf hashes —
 * or with the error, in which case the statement stored nothing.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { pgErrorCode, isUnavailable } from '../../db/database.ts';
import { openDatabase } from '../../db/open.ts';
import { QUEUE_COLUMNS, unpackRows } from './queue-rows.ts';
import { type GroupMessage, QUEUE_THREAD_APPLICATION, type ThreadReply, type ThreadSettings } from './queue-thread.ts';

const port = parentPort!;
const settings = workerData as ThreadSettings;
const url = new URL(settings.databaseUrl);
url.searchParams.set('application_name', QUEUE_THREAD_APPLICATION);
// Opened without reaching the server: while the database is away each group is answered with an
// "unavailable" error, and the thread lives on to write the groups that follow its return.
const db = await openDatabase({ databaseUrl: url.href, maxConnections: settings.connections, checkAtOpen: false });

async function write(m: GroupMessage): Promise<ThreadReply> {
  try {
    if (m.packed.byteLength === 0) {
      await db.query('SELECT 1'); // a warm-up (queue-thread.ts `warm`): one connection opened, nothing written
      return { seq: m.seq, hashes: new Uint8Array(0) };
    }
    const at = new Date(m.at);
    const { rows, hashes } = unpackRows(m.packed, at);
    await db.copyRows('ledger_queue', QUEUE_COLUMNS, rows);
    return { seq: m.seq, hashes };
  } catch (err) {
    return { seq: m.seq, error: { message: err instanceof Error ? err.message : String(err), code: pgErrorCode(err), unavailable: isUnavailable(err) } };
  }
}

const writing = new Set<Promise<void>>();

port.on('message', (m: GroupMessage | 'close') => {
  if (m === 'close') {
    // Groups sent before 'close' are answered first; then the connections end and so does the thread.
    void Promise.allSettled([...writing])
      .then(() => db.close())
      .finally(() => port.close());
    return;
  }
  const p = write(m).then((reply) => port.postMessage(reply, 'hashes' in reply ? [reply.hashes.buffer as ArrayBuffer] : []));
  writing.add(p);
  void p.finally(() => writing.delete(p));
});
