import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KnownLogs, createGroupAppender } from '../../src/ledger/append.ts';
import { sha256 } from '../../src/ledger/entry.ts';
import { verifyInclusion } from '../../src/ledger/log/merkle.ts';
import type { Principal } from '../../src/registry/principal.ts';
import { DRIVERS, type TestEnv, startEnv } from '../helpers/platform.ts';
import { sampleEntry } from '../helpers/ledger.ts';

const entry = sampleEntry;
const b = (s: string) => Buffer.from(s, 'base64');
const auditor: Principal = {
  userId: 't',
  username: 't',
  fullName: 'T',
  agencyCode: 'VPTW',
  roles: ['coordinator'],
  sessionId: 't',
  sessionExpiresAt: new Date('2099-01-01'),
};

for (const driver of DRIVERS) {
  describe(`[${driver}] R-17.1, R-17.2: appendMany and the group-commit appender`, () => {
    let env: TestEnv;
    beforeAll(async () => {
      env = await startEnv(driver);
    });
    afterAll(() => env.close());

    /** Queue rows, or entries listed in the work list (a row lists every entry of one append statement). */
    const count = async (table: 'ledger_queue' | 'ledger_pending', log: string) =>
      Number(
        (
          await env.platform.db.query<{ n: number }>(
            `SELECT ${table === 'ledger_pending' ? 'COALESCE(sum(cardinality(ids)), 0)' : 'count(*)'}::int AS n FROM ${table} WHERE custodian_code = $1`,
            [log],
          )
        ).rows[0]!.n,
      );
    /** Sequences everything and signs a checkpoint of the whole log (time-based rule). */
    const settle = async () => {
      await env.platform.ledger.integrateAll();
      env.clock.advance(10_000);
      await env.platform.ledger.integrateAll();
    };
    /** Every receipt's inclusion proof verifies against the checkpoint it names (R-5.3: the requester's proof). */
    const expectProvable = async (ids: string[]) => {
      for (const id of ids) {
        const r = await env.platform.ledger.receipt(auditor, id);
        expect(r.leaf_index).not.toBeNull();
        expect(verifyInclusion(b(r.leaf_hash), r.leaf_index!, r.checkpoint!.tree_size, r.inclusion_proof!.map(b), b(r.checkpoint!.root_hash))).toBe(true);
      }
    };

    it('R-17.2: appendMany queues all entries with one statement in the caller transaction; receipts in order, all provable', async () => {
      const content = Buffer.from('{"ho_ten":"Nguyễn Văn A"}');
      const items = Array.from({ length: 50 }, (_, n) => ({
        custodian: 'BTCTW',
        entry: n === 7 ? entry(n, { response: { status: 200, content_sha256: sha256(content).toString('hex'), content_kept: true } }) : entry(n),
        ...(n === 7 ? { content } : {}),
      }));
      const receipts = await env.platform.db.transaction((tx) => env.platform.ledger.appendMany(tx, items));
      expect(receipts).toHaveLength(50);
      expect(new Set(receipts.map((r) => r.id)).size).toBe(50);
      expect(await count('ledger_pending', 'BTCTW')).toBe(50);
      // … in one work-list row, its ids in call order (the ledger_queue trigger).
      const lists = await env.platform.db.query<{ ids: string[] }>("SELECT ids FROM ledger_pending WHERE custodian_code = 'BTCTW'");
      expect(lists.rows.map((r) => r.ids)).toEqual([receipts.map((r) => r.id)]);
      const kept = await env.platform.db.query<{ content: Uint8Array }>('SELECT content FROM ledger_content WHERE queue_id = $1', [receipts[7]!.id]);
      expect(Buffer.from(kept.rows[0]!.content).equals(content)).toBe(true);
      await settle();
      expect(await count('ledger_pending', 'BTCTW')).toBe(0);
      // UUIDv7 ids in call order: the tree keeps the order of the list.
      const indexes = await env.platform.db.query<{ queue_id: string; leaf_index: number }>(
        "SELECT queue_id, leaf_index FROM ledger_entries WHERE custodian_code = 'BTCTW' ORDER BY leaf_index",
      );
      expect(indexes.rows.map((r) => r.queue_id)).toEqual(receipts.map((r) => r.id));
      await expectProvable(receipts.map((r) => r.id));
      // the integrator wrote the search copies from the leaves.
      const found = await env.platform.ledger.entries(auditor, 'BTCTW', { record_key: 'k-7', requester: 'VPCP', limit: 10 });
      expect(found.items.map((i) => i.receipt_id)).toEqual([receipts[7]!.id]);
      expect((await env.platform.ledger.verify('BTCTW', undefined, { searchCopies: true }))[0]).toMatchObject({ ok: true, entries: 50 });
    });

    it('R-17.1: appendMany rolls back with the caller transaction — nothing is queued', async () => {
      const before = await count('ledger_queue', 'BTCTW');
      await expect(
        env.platform.db.transaction(async (tx) => {
          await env.platform.ledger.appendMany(tx, [
            { custodian: 'BTCTW', entry: entry(900) },
            { custodian: 'BTCTW', entry: entry(901) },
          ]);
          throw new Error('the exchange failed');
        }),
      ).rejects.toThrow(/exchange failed/);
      expect(await count('ledger_queue', 'BTCTW')).toBe(before);
      expect(await count('ledger_pending', 'BTCTW')).toBe(0);
    });

    it('R-17.1, R-5.3: 200 concurrent appendDurable callers → every receipt after its commit; no gaps, no duplicates, every receipt provable', async () => {
      const integrating: Promise<number>[] = [];
      const receipts = await Promise.all(
        Array.from({ length: 200 }, async (_, n) => {
          if (n % 50 === 0) integrating.push(env.platform.ledger.integrate('BNCTW')); // the integrator runs meanwhile
          const r = await env.platform.ledger.appendDurable('BNCTW', entry(n));
          // Resolved means committed: another connection already sees the row.
          const seen = await env.platform.db.query('SELECT 1 FROM ledger_queue WHERE id = $1', [r.id]);
          expect(seen.rows).toHaveLength(1);
          return r;
        }),
      );
      await Promise.all(integrating);
      expect(new Set(receipts.map((r) => r.id)).size).toBe(200);
      await settle();
      expect(await env.platform.ledger.treeSize('BNCTW')).toBe(200);
      const rows = await env.platform.db.query<{ leaf_index: number; queue_id: string }>(
        "SELECT leaf_index, queue_id FROM ledger_entries WHERE custodian_code = 'BNCTW' ORDER BY leaf_index",
      );
      expect(rows.rows.map((r) => Number(r.leaf_index))).toEqual(Array.from({ length: 200 }, (_, i) => i));
      expect(new Set(rows.rows.map((r) => r.queue_id))).toEqual(new Set(receipts.map((r) => r.id)));
      await expectProvable(receipts.map((r) => r.id));
      expect((await env.platform.ledger.verify('BNCTW', undefined, { searchCopies: true }))[0]).toMatchObject({ ok: true, entries: 200 });
    });

    it('R-17.1: integrating a log before its first append does not stop that append from creating the log', async () => {
      expect(await env.platform.ledger.integrate('BCA')).toBe(0); // no log yet, nothing queued
      const r = await env.platform.ledger.appendDurable('BCA', entry(1));
      expect(await env.platform.ledger.integrate('BCA')).toBe(1);
      await expectProvable([r.id]);
    });

    it('R-17.1: a failing commit rejects every waiting caller, and nothing of the group is stored', async () => {
      // The group's statement writes its rows, then fails at its end (a real trigger, as a full
      // disk or a lost connection would make it fail): the whole statement is rolled back.
      const db = env.platform.db;
      await db.exec(`CREATE FUNCTION test_fail_ubkttw() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF EXISTS (SELECT 1 FROM queued WHERE custodian_code = 'UBKTTW') THEN RAISE EXCEPTION 'commit failed'; END IF; RETURN NULL; END $$;
        CREATE TRIGGER test_fail_ubkttw AFTER INSERT ON ledger_queue REFERENCING NEW TABLE AS queued FOR EACH STATEMENT EXECUTE FUNCTION test_fail_ubkttw();`);
      try {
        const appender = createGroupAppender(db, () => env.clock.now(), new KnownLogs(), { maxWaitMs: 5, maxBatch: 64 });
        const calls = Array.from({ length: 20 }, (_, n) => appender.append('UBKTTW', entry(n)));
        const settled = await Promise.allSettled(calls);
        expect(settled.every((s) => s.status === 'rejected' && /commit failed/.test(String(s.reason)))).toBe(true);
        expect(await count('ledger_queue', 'UBKTTW')).toBe(0);
        expect(await count('ledger_pending', 'UBKTTW')).toBe(0);
      } finally {
        await db.exec('DROP TRIGGER test_fail_ubkttw ON ledger_queue; DROP FUNCTION test_fail_ubkttw()');
      }
    });

    it('a call made while no group commits is written at once; without startWhenIdle it waits for the window (or a flush)', async () => {
      const now = () => env.clock.now();
      const eager = createGroupAppender(env.platform.db, now, new KnownLogs(), { maxWaitMs: 60_000, startWhenIdle: true });
      expect((await eager.append('VPCP', entry(5))).log).toBe('VPCP'); // (it would hang for a minute if it waited)
      const gathering = createGroupAppender(env.platform.db, now, new KnownLogs(), { maxWaitMs: 60_000, startWhenIdle: false });
      let settled = false;
      const call = gathering.append('VPCP', entry(6)).then(() => (settled = true));
      await new Promise((r) => setTimeout(r, 200));
      expect(settled).toBe(false);
      await gathering.flush();
      await call;
      expect(settled).toBe(true);
    });

    it('R-17.1: a bad entry or an unknown custodian fails only its own caller', async () => {
      const appender = createGroupAppender(env.platform.db, () => env.clock.now(), new KnownLogs(), { maxWaitMs: 5 });
      const good = appender.append('VPTW', entry(1));
      const mismatch = appender.append(
        'VPTW',
        entry(2, { response: { status: 200, content_sha256: 'ab'.repeat(32), content_kept: true } }),
        Buffer.from('other bytes'),
      );
      const unknown = appender.append('KHONGCO', entry(3));
      await expect(mismatch).rejects.toThrow(/content_sha256/);
      await expect(unknown).rejects.toThrow();
      const receipt = await good;
      expect(receipt).toMatchObject({ log: 'VPTW', leaf_index: null });
      await appender.flush();
      expect(await count('ledger_queue', 'VPTW')).toBe(1);
      expect(await count('ledger_queue', 'KHONGCO')).toBe(0);
    });
  });
}
