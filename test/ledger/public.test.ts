/**
 * A consumer checks its own receipt with nothing but the public endpoints, its access token and
 * the SDK's verifier (none of src/ledger's helpers), as docs/ledger.md describes.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCheckpoint as openSignedCheckpoint, parseVerifierKey, rootFromInclusionProof } from 'lienthong/client';
import { DRIVERS } from '../helpers/platform.ts';
import { type SystemCode, type World, member, startWorld } from '../gateway/world.ts';

const sha256 = (...parts: Uint8Array[]) => crypto.createHash('sha256').update(Buffer.concat(parts)).digest();
const b64 = (s: string) => Buffer.from(s, 'base64');

/** RFC 8785 for what a log entry holds (strings, integers, booleans, null, arrays, objects). */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** The SDK's checks (src/client/receipts.ts): written apart from the server's log code, as any outside verifier's would be. */
const rootFromInclusion = (leafHash: Buffer, index: number, size: number, path: Buffer[]): Buffer | null => {
  try {
    return rootFromInclusionProof(leafHash, index, size, path);
  } catch {
    return null;
  }
};
const openCheckpoint = (note: string, verifierKey: string) => openSignedCheckpoint(note, parseVerifierKey(verifierKey));

for (const driver of DRIVERS) {
  describe(`[${driver}] R-17.1, R-5.3: a consumer verifies its receipts with only the published keys`, () => {
    let w: World;
    let receiptId: string;
    let received: string;

    /** What an outsider does: plain HTTP to the platform, no session. */
    const http = (path: string, authorization?: string) => fetch(`${w.internet}${path}`, { headers: authorization ? { authorization } : {} });
    const tokenOf = async (system: SystemCode) => {
      const res = await fetch(`${w.internet}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: w.accounts[system].client_id,
          client_secret: w.accounts[system].client_secret,
        }),
      });
      expect(res.status).toBe(200);
      return `Bearer ${((await res.json()) as { access_token: string }).access_token}`;
    };

    beforeAll(async () => {
      w = await startWorld(driver);
      await w.clients['BTCTW-CSDL'].putRecord('can-bo-dang-vien', 'dv-1', member(1));
      const read = await w.clients['VPCP-QLCB'].getRecord('can-bo-dang-vien', 'dv-1');
      receiptId = read.receipt.id;
      received = read.receipt.content_sha256;
      // The platform's integrator (every 250 ms in `serve`) sequences it and signs a checkpoint.
      await w.env.platform.ledger.integrateAll();
      w.env.clock.advance(10_000);
      await w.env.platform.ledger.integrateAll();
    });
    afterAll(() => w.env.close());

    it('R-17.1: the verifier keys, checkpoints and proofs are public; who read what is not', async () => {
      const keys = await http('/api/v1/ledger/keys');
      expect(keys.status).toBe(200);
      const body = (await keys.json()) as { algorithm: string; public_key: string; keys: { log: string; origin: string; verifier_key: string }[] };
      expect(body.algorithm).toBe('Ed25519');
      const btctw = body.keys.find((k) => k.log === 'BTCTW')!;
      expect(btctw.origin).toBe('lienthong/btctw');
      expect(parseVerifierKey(btctw.verifier_key).publicKey.export({ format: 'jwk' }).x).toBe(b64(body.public_key).toString('base64url'));
      expect((await http('/api/v1/ledger/BTCTW/checkpoint')).status).toBe(200);
      expect((await http('/api/v1/ledger/BTCTW/proof/inclusion?index=0&size=1')).status).toBe(200);
      expect((await http('/api/v1/ledger/BTCTW/proof/consistency?from=1&to=1')).status).toBe(200);
      expect((await http('/api/v1/ledger/NOLOG/checkpoint')).status).toBe(404);
      // R-4.5: the search reveals who received what — officials only, and not with a system's token.
      expect((await http('/api/v1/ledger/BTCTW/entries?limit=1')).status).toBe(401);
      expect((await http('/api/v1/ledger/BTCTW/entries?limit=1', await tokenOf('VPCP-QLCB'))).status).toBe(401);
      expect((await http(`/api/v1/ledger/receipts/${receiptId}`)).status).toBe(401);
    });

    it('R-5.3, R-17.1: the consumer system reads its receipt with its access token and proves it is in the signed log', async () => {
      // 1. The verifier key, published.
      const keys = (await (await http('/api/v1/ledger/keys')).json()) as { keys: { log: string; verifier_key: string }[] };
      // 2. The receipt, with the system's own access token.
      const res = await http(`/api/v1/ledger/receipts/${receiptId}`, await tokenOf('VPCP-QLCB'));
      expect(res.status).toBe(200);
      const rec = (await res.json()) as {
        log: string;
        leaf: string;
        leaf_hash: string;
        leaf_index: number;
        entry: Record<string, any>;
        inclusion_proof: string[];
        checkpoint: { tree_size: number; root_hash: string; note: string };
      };
      expect(rec.entry).toMatchObject({
        log: 'BTCTW',
        dataset: 'can-bo-dang-vien',
        record_keys: ['dv-1'],
        requester: { agency: 'VPCP', system: 'VPCP-QLCB' },
        response: { status: 200 },
      });
      // The log holds the hash of exactly the bytes this system received.
      expect(rec.entry.response.content_sha256).toBe(received);
      // 3. The leaf is the canonical JSON of the entry; its hash is SHA-256(0x00 ‖ leaf).
      const leaf = b64(rec.leaf);
      expect(leaf.toString('utf8')).toBe(canonical(rec.entry));
      const leafHash = sha256(Buffer.from([0x00]), leaf);
      expect(leafHash.toString('base64')).toBe(rec.leaf_hash);
      // 4. The inclusion proof leads to the checkpoint's root …
      const root = rootFromInclusion(leafHash, rec.leaf_index, rec.checkpoint.tree_size, rec.inclusion_proof.map(b64));
      expect(root?.toString('base64')).toBe(rec.checkpoint.root_hash);
      // 5. … and the checkpoint is signed by the published log key.
      const opened = openCheckpoint(rec.checkpoint.note, keys.keys.find((k) => k.log === rec.log)!.verifier_key);
      expect(opened).toMatchObject({ origin: 'lienthong/btctw', size: rec.checkpoint.tree_size });
      expect(opened.root.equals(root!)).toBe(true);
      // The public checkpoint and proof agree with the receipt (no session needed to fetch them).
      const latest = (await (await http('/api/v1/ledger/BTCTW/checkpoint')).json()) as { tree_size: number; note: string };
      expect(openCheckpoint(latest.note, keys.keys.find((k) => k.log === 'BTCTW')!.verifier_key).size).toBe(latest.tree_size);
      const proof = (await (await http(`/api/v1/ledger/BTCTW/proof/inclusion?index=${rec.leaf_index}&size=${rec.checkpoint.tree_size}`)).json()) as {
        hashes: string[];
      };
      expect(proof.hashes).toEqual(rec.inclusion_proof);
      // A forged entry does not verify.
      const forged = sha256(Buffer.from([0x00]), Buffer.from(canonical({ ...rec.entry, record_keys: ['dv-2'] })));
      expect(rootFromInclusion(forged, rec.leaf_index, rec.checkpoint.tree_size, rec.inclusion_proof.map(b64))?.equals(root!)).not.toBe(true);
    });

    it("R-17.1, R-4.5: the custodian downloads its log as a signed bundle that verifies offline; a system's token and another agency cannot", async () => {
      const res = await http('/api/v1/ledger/BTCTW/bundle', w.auth.custodian);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-disposition')).toBe('attachment; filename="lienthong-btctw.bundle"');
      const { verifyBundle } = await import('../../src/ledger/bundle.ts');
      expect(verifyBundle(Buffer.from(await res.arrayBuffer()))).toMatchObject({ ok: true });
      expect((await http('/api/v1/ledger/BTCTW/bundle', await tokenOf('VPCP-QLCB'))).status).toBe(401);
      expect((await http('/api/v1/ledger/BTCTW/bundle', w.auth.bnctw)).status).toBe(404);
      expect((await http('/api/v1/ledger/BTCTW/bundle')).status).toBe(401);
    });

    it('R-5.3: a system reads only its own receipts — not another system of its agency, nor another agency', async () => {
      for (const other of ['VPCP-TK', 'BNCTW-CSDL'] as const) {
        expect([other, (await http(`/api/v1/ledger/receipts/${receiptId}`, await tokenOf(other))).status]).toEqual([other, 404]);
      }
      // A token that is not valid is refused as unauthenticated, not taken for a session.
      const bad = await http(`/api/v1/ledger/receipts/${receiptId}`, 'Bearer eyJhbGciOiJub25lIn0.e30.');
      expect(bad.status).toBe(401);
      expect(bad.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      // The access token opens this route only: elsewhere in /api/v1 it is no session.
      expect((await http('/api/v1/agreements', await tokenOf('VPCP-QLCB'))).status).toBe(401);
      // The agency's officials still read it with a session.
      expect((await w.call('GET', `/api/v1/ledger/receipts/${receiptId}`, await w.env.login('kt.vpcp', 'mat-khau-kt.vpcp-2025'))).statusCode).toBe(200);
    });
  });
}
