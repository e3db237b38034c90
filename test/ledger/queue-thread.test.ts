import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseUnavailableError } from '../../src/db/database.ts';
import { KnownLogs, createGroupAppender } from '../../src/ledger/append.ts';
import { leafBytes, leafText, sha256 } from '../../src/ledger/entry.ts';
import { leafHash } from '../../src/ledger/log/merkle.ts';
import { packGroup, queueRows, unpackRows } from '../../src/ledger/log/queue-rows.ts';
import { QUEUE_THREAD_APPLICATION, startQueueThread } from '../../src/ledger/log/queue-thread.ts';
import { newId } from '../../src/core/ids.ts';
import { TEST_PG_URL, type TestEnv, startEnv } from '../helpers/platform.ts';
import { sampleEntry as entry } from '../helpers/ledger.ts';

describe('a group packed for the queue thread', () => {
  it('unpacks to the same rows and leaf hashes as the in-process writer makes', () => {
    const at = new Date('2026-03-02T03:00:00Z');
    const items = [
      { id: newId(), custodian: 'BTCTW', text: leafText('BTCTW', entry(1)) },
      { id: newId(), custodian: 'Đ"X', text: leafText('Đ"X', entry(2, { trace_id: 'Nguyễn Văn A 😀' })) },
    ];
    const here = queueRows(items, at);
    const there = unpackRows(packGroup(items), at);
    expect(Buffer.from(there.hashes).equals(Buffer.from(here.hashes))).toBe(true);
    there.rows.forEach((row, i) => {
      expect(Buffer.from(row[0] as Uint8Array).toString('hex')).toBe(items[i]!.id.replaceAll('-', ''));
      expect(Buffer.from(row[1] as Uint8Array).toString('utf8')).toBe(items[i]!.custodian);
      expect(Buffer.from(row[2] as Uint8Array).equals(here.rows[i]![2] as Buffer)).toBe(true);
      expect(
        Buffer.from(row[3] as Uint8Array).equals(
          Buffer.from(leafHash(leafBytes(items[i]!.custodian, i ? entry(2, { trace_id: 'Nguyễn Văn A 😀' }) : entry(1)))),
        ),
      ).toBe(true);
      expect(row[4]).toBe(at);
    });
  });

  it('refuses what is not a uuid, and a cut-short group', () => {
    expect(() => packGroup([{ id: 'not-a-uuid', custodian: 'BCT', text: '{}' }])).toThrow(/uuid/);
    const packed = packGroup([{ id: newId(), custodian: 'BCT', text: '{"v":1}' }]);
    expect(() => unpackRows(packed.subarray(0, packed.length - 1), new Date())).toThrow(/cut short/);
    const badHex = Buffer.from(packed);
    badHex[0] = 0x67; // 'g'
    expect(() => unpackRows(badHex, new Date())).toThrow(/uuid/);
  });
});

describe.skipIf(!TEST_PG_URL)('[postgres] R-17.1: group commits written by the queue thread', () => {
  let env: TestEnv;
  let url: string;
  beforeAll(async () => {
    env = await startEnv('postgres');
    url = env.platform.config.databaseUrl!;
  });
  afterAll(() => env.close());

  const copyConnections = async () =>
    Number(
      (
        await env.platform.db.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1',
          [QUEUE_THREAD_APPLICATION],
        )
      ).rows[0]!.n,
    );

  it('R-17.1, R-17.2: receipts come after the commit; each leaf hash is SHA-256(0x00 ‖ the stored leaf)', async () => {
    const receipts = await Promise.all(Array.from({ length: 300 }, (_, n) => env.platform.ledger.appendDurable('BTCTW', entry(n))));
    expect(await copyConnections()).toBeGreaterThan(0); // written through the thread's own connections
    const rows = await env.platform.db.query<{ id: string; leaf: Uint8Array; leaf_hash: Uint8Array }>(
      "SELECT id, leaf, leaf_hash FROM ledger_queue WHERE custodian_code = 'BTCTW'",
    );
    const byId = new Map(rows.rows.map((r) => [r.id, r]));
    expect(byId.size).toBe(300);
    receipts.forEach((r, n) => {
      const row = byId.get(r.id)!;
      expect(Buffer.from(row.leaf).equals(leafBytes('BTCTW', entry(n)))).toBe(true);
      expect(Buffer.from(row.leaf_hash).toString('base64')).toBe(r.leaf_hash);
      expect(r.leaf_hash).toBe(sha256(Buffer.concat([Buffer.from([0]), row.leaf])).toString('base64'));
    });
  });

  it('R-17.1: kept content goes with its entry (written on the main thread, in the same statement)', async () => {
    const content = Buffer.from('{"ho_ten":"Nguyễn Văn B"}');
    const r = await env.platform.ledger.appendDurable(
      'BCT',
      entry(1, { response: { status: 200, content_sha256: sha256(content).toString('hex'), content_kept: true } }),
      content,
    );
    const kept = await env.platform.db.query<{ content: Uint8Array }>('SELECT content FROM ledger_content WHERE queue_id = $1', [r.id]);
    expect(Buffer.from(kept.rows[0]!.content).equals(content)).toBe(true);
  });

  it('R-17.1: a commit failing in the thread rejects every caller with the server error; nothing of the group is stored', async () => {
    const db = env.platform.db;
    await db.exec(`CREATE FUNCTION test_fail_vptw() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF EXISTS (SELECT 1 FROM queued WHERE custodian_code = 'VPTW') THEN RAISE EXCEPTION 'commit failed'; END IF; RETURN NULL; END $$;
      CREATE TRIGGER test_fail_vptw AFTER INSERT ON ledger_queue REFERENCING NEW TABLE AS queued FOR EACH STATEMENT EXECUTE FUNCTION test_fail_vptw();`);
    const thread = startQueueThread({ databaseUrl: url, connections: 2 });
    try {
      const appender = createGroupAppender(
        db,
        () => env.clock.now(),
        new KnownLogs(),
        { maxWaitMs: 5, maxBatch: 64 },
        (items, at) => thread.write(items, at),
      );
      const settled = await Promise.allSettled(Array.from({ length: 20 }, (_, n) => appender.append('VPTW', entry(n))));
      for (const s of settled) {
        expect(s.status).toBe('rejected');
        expect((s as PromiseRejectedResult).reason).toMatchObject({ message: 'commit failed', code: 'P0001' });
      }
      const stored = await db.query("SELECT 1 FROM ledger_queue WHERE custodian_code = 'VPTW'");
      expect(stored.rows).toHaveLength(0);
    } finally {
      await thread.close();
      await db.exec('DROP TRIGGER test_fail_vptw ON ledger_queue; DROP FUNCTION test_fail_vptw()');
    }
  });

  it('R-17.1: a thread that cannot reach the database rejects its callers as unavailable (no receipt, so no data out)', async () => {
    const broken = new URL(url);
    broken.pathname = '/lt_no_such_database';
    const thread = startQueueThread({ databaseUrl: broken.href, connections: 1 });
    const item = { id: newId(), custodian: 'BCT', text: leafText('BCT', entry(9)), content: null };
    await expect(thread.write([item], new Date())).rejects.toBeInstanceOf(DatabaseUnavailableError);
    await expect(thread.write([item], new Date())).rejects.toBeInstanceOf(DatabaseUnavailableError); // the same thread, still alive, failing alike
    await thread.close();
  });

  it('close answers the groups sent, then ends the thread and its connections; a later write starts a new one', async () => {
    const before = await copyConnections();
    const thread = startQueueThread({ databaseUrl: url, connections: 2 });
    const items = Array.from({ length: 50 }, (_, n) => ({ id: newId(), custodian: 'BCT', text: leafText('BCT', entry(n)), content: null }));
    const written = thread.write(items, new Date());
    const closing = thread.close();
    expect((await written).length).toBe(50 * 32);
    await closing;
    for (let i = 0; i < 50 && (await copyConnections()) > before; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await copyConnections()).toBe(before);
    expect(
      (
        await thread.write(
          items.map((i) => ({ ...i, id: newId() })),
          new Date(),
        )
      ).length,
    ).toBe(50 * 32);
    await thread.close();
  });
});
