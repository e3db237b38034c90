import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Transaction } from '../../src/db/database.ts';
import { DRIVERS, type TestEnv, startEnv } from '../helpers/platform.ts';
import { sampleEntry } from '../helpers/ledger.ts';

const entry = (n: number) => sampleEntry(n, { record_keys: [String(n)] });

for (const driver of DRIVERS) {
  describe(`[${driver}] R-17.1: tampering by a database superuser is found by verify, at the right entry`, () => {
    let env: TestEnv;
    beforeAll(async () => {
      env = await startEnv(driver, {});
      for (const log of ['BTCTW', 'BNCTW', 'UBKTTW', 'VPTW', 'BCT', 'BTGDVTW', 'VPCP']) {
        for (let n = 0; n < 300; n++) await env.platform.db.transaction((tx) => env.platform.ledger.append(tx, log, entry(n)));
      }
      await env.platform.ledger.integrateAll();
      env.clock.advance(10_000);
      await env.platform.ledger.integrateAll();
    });
    afterAll(() => env.close());

    /** As the superuser, with the immutability triggers switched off for this transaction. */
    const asSuperuser = (fn: (tx: Transaction) => Promise<unknown>) =>
      env.platform.db.transaction(async (tx) => {
        await tx.query("SET LOCAL session_replication_role = 'replica'");
        await fn(tx);
      });
    const queueId = async (log: string, index: number) =>
      (await env.platform.db.query<{ queue_id: string }>('SELECT queue_id FROM ledger_entries WHERE custodian_code = $1 AND leaf_index = $2', [log, index]))
        .rows[0]!.queue_id;
    /**
     * verify as the CLI runs it, and again in pages of 64 entries (tiles of 256 then straddle
     * pages, and a divergence must be named the same wherever the page boundaries fall).
     */
    const verify = async (log: string) => {
      const whole = (await env.platform.ledger.verify(log))[0]!;
      const paged = (await env.platform.ledger.verify(log, undefined, { pageSize: 64 }))[0]!;
      expect(paged).toEqual(whole);
      return whole;
    };

    it('an untouched log verifies', async () => {
      for (const log of ['BTCTW', 'BNCTW', 'UBKTTW', 'VPTW', 'BCT', 'BTGDVTW', 'VPCP']) expect(await verify(log)).toMatchObject({ ok: true, entries: 300 });
      for (const log of ['BTCTW', 'BTGDVTW'])
        expect((await env.platform.ledger.verify(log, undefined, { searchCopies: true, pageSize: 100 }))[0]).toMatchObject({ ok: true, entries: 300 });
    });

    it('edit a field of entry 17 → divergence at entry 17', async () => {
      const id = await queueId('BTCTW', 17);
      await asSuperuser((tx) =>
        tx.query("UPDATE ledger_queue SET leaf = convert_to(replace(convert_from(leaf, 'UTF8'), '\"status\":200', '\"status\":404'), 'UTF8') WHERE id = $1", [
          id,
        ]),
      );
      expect(await verify('BTCTW')).toMatchObject({ ok: false, divergence: { index: 17, what: expect.stringMatching(/edited/) } });
    });

    it('delete entry 100 → divergence at entry 100', async () => {
      await asSuperuser((tx) => tx.query("DELETE FROM ledger_entries WHERE custodian_code = 'BNCTW' AND leaf_index = 100"));
      expect(await verify('BNCTW')).toMatchObject({ ok: false, divergence: { index: 100, what: expect.stringMatching(/missing/) } });
    });

    it('insert a forged entry → divergence at that entry', async () => {
      const source = await queueId('UBKTTW', 5);
      await asSuperuser(async (tx) => {
        const r = await tx.query<{ id: string }>(
          `INSERT INTO ledger_queue (id, custodian_code, leaf, leaf_hash, queued_at)
           SELECT gen_random_uuid(), custodian_code, leaf, leaf_hash, queued_at FROM ledger_queue WHERE id = $1 RETURNING id`,
          [source],
        );
        await tx.query("INSERT INTO ledger_entries (custodian_code, leaf_index, queue_id, integrated_at) VALUES ('UBKTTW', 300, $1, now())", [r.rows[0]!.id]);
      });
      expect(await verify('UBKTTW')).toMatchObject({ ok: false, divergence: { index: 300 } });
    });

    it('swap entries 50 and 60 → divergence at entry 50', async () => {
      const [a, b] = [await queueId('VPTW', 50), await queueId('VPTW', 60)];
      await asSuperuser(async (tx) => {
        await tx.query("UPDATE ledger_entries SET leaf_index = 999999 WHERE custodian_code = 'VPTW' AND queue_id = $1", [a]);
        await tx.query("UPDATE ledger_entries SET leaf_index = 50 WHERE custodian_code = 'VPTW' AND queue_id = $1", [b]);
        await tx.query("UPDATE ledger_entries SET leaf_index = 60 WHERE custodian_code = 'VPTW' AND queue_id = $1", [a]);
      });
      expect(await verify('VPTW')).toMatchObject({ ok: false, divergence: { index: 50, what: expect.stringMatching(/reordered/) } });
    });

    it('a leaf made invalid UTF-8 (entry 33) → divergence at entry 33, not a failed read', async () => {
      const id = await queueId('BCT', 33);
      await asSuperuser((tx) => tx.query("UPDATE ledger_queue SET leaf = leaf || '\\xff'::bytea WHERE id = $1", [id]));
      expect(await verify('BCT')).toMatchObject({ ok: false, divergence: { index: 33, what: expect.stringMatching(/edited/) } });
    });

    it('R-17.1: a leaf emptied outside an archive (entry 140) → divergence at entry 140, erased', async () => {
      const id = await queueId('VPCP', 140);
      await asSuperuser((tx) => tx.query("UPDATE ledger_queue SET leaf = ''::bytea WHERE id = $1", [id]));
      expect(await verify('VPCP')).toMatchObject({ ok: false, divergence: { index: 140, what: expect.stringMatching(/no content and is not archived/) } });
    });

    it('R-4.5: an edited search copy (entry 210) is found when verify checks search copies', async () => {
      await asSuperuser((tx) => tx.query("UPDATE ledger_search SET requester_agency = 'TU01' WHERE custodian_code = 'BTGDVTW' AND leaf_index = 210"));
      expect((await env.platform.ledger.verify('BTGDVTW', undefined, { searchCopies: true }))[0]).toMatchObject({
        ok: false,
        divergence: { index: 210, what: expect.stringMatching(/search copy/) },
      });
      expect((await env.platform.ledger.verify('BTGDVTW', undefined, { searchCopies: true, pageSize: 64 }))[0]).toMatchObject({
        ok: false,
        divergence: { index: 210 },
      });
      // The tree itself is intact: the default verify (what the tree commits to) still passes.
      expect(await verify('BTGDVTW')).toMatchObject({ ok: true });
    });
  });
}
