import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignatureError } from 'lienthong/client';
import { DRIVERS } from '../helpers/platform.ts';
import { type World, member, refused, startWorld } from './world.ts';

const HEADER = 'lienthong-batch-signature';

interface Answer {
  status: number;
  body: Buffer;
  header: string;
  jws: string | null;
}

const sha256 = (...parts: Uint8Array[]) => crypto.createHash('sha256').update(Buffer.concat(parts)).digest();

/**
 * docs/batch-signatures.md, written here on node:crypto alone — no import of the platform's tree,
 * signer or SDK code — and with another algorithm than theirs: the path is consumed from the root
 * down, following the tree's definition (RFC 9162 §2.1.1: split at the largest power of two).
 * Returns the root the answer proves, or null when anything does not verify.
 */
function verifyIndependently(header: string, body: Buffer, keys: Map<string, crypto.KeyObject>): Buffer | null {
  const fields = new Map(header.split(';').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  const f = { v: '', kid: '', size: '', index: '', salt: '', path: '', sig: '', ...Object.fromEntries(fields) };
  const [size, index] = [Number(f.size), Number(f.index)];
  const key = keys.get(f.kid);
  const path = Buffer.from(f.path, 'base64url');
  if (f.v !== '1' || !key || !(index >= 0 && index < size) || path.length % 32 !== 0) return null;
  const siblings = Array.from({ length: path.length / 32 }, (_, i) => path.subarray(i * 32, i * 32 + 32));
  const leaf = sha256(Buffer.from([0]), Buffer.from(f.salt, 'base64url'), sha256(body));
  const rootOf = (m: number, n: number, up: Buffer[]): Buffer | null => {
    if (n === 1) return up.length === 0 ? leaf : null;
    const k = 2 ** Math.floor(Math.log2(n - 1));
    const top = up[up.length - 1];
    if (!top) return null;
    const below = m < k ? rootOf(m, k, up.slice(0, -1)) : rootOf(m - k, n - k, up.slice(0, -1));
    if (!below) return null;
    return m < k ? sha256(Buffer.from([1]), below, top) : sha256(Buffer.from([1]), top, below);
  };
  const root = rootOf(index, size, siblings);
  if (!root) return null;
  const kid = Buffer.from(f.kid, 'ascii');
  const n = Buffer.alloc(8);
  n.writeBigUInt64BE(BigInt(size));
  const message = Buffer.concat([Buffer.from('lienthong/batch-signature/v1/ed25519-sha256\0', 'ascii'), Buffer.from([kid.length]), kid, n, root]);
  return crypto.verify(null, message, key, Buffer.from(f.sig, 'base64url')) ? root : null;
}

/** The signature bytes: Ed25519 is deterministic, so answers of one batch carry the same ones. */
const sigOf = (a: Answer) => a.header.split(';sig=')[1] ?? '';

/** Replaces one field of the header. */
const withField = (header: string, name: string, value: (v: string) => string) =>
  header
    .split(';')
    .map((kv) => (kv.startsWith(`${name}=`) ? `${name}=${value(kv.slice(name.length + 1))}` : kv))
    .join(';');

/** Flips the lowest bit of the base64url value's first byte. */
const flipB64u = (v: string) => {
  const b = Buffer.from(v, 'base64url');
  b[0]! ^= 1;
  return b.toString('base64url');
};

for (const driver of DRIVERS) {
  describe(`[${driver}] gateway in batch-signature mode: one Ed25519 signature over a Merkle root covers answers signed together (R-5.3)`, () => {
    let w: World;
    let keys: Map<string, crypto.KeyObject>;
    let token: string;

    /** `n` hosted reads sent at once, each as received. */
    async function readsAtOnce(n: number, purpose = 'to-chuc-can-bo'): Promise<Answer[]> {
      return Promise.all(
        Array.from({ length: n }, async (_, i) => {
          const res = await fetch(`${w.internet}/data/v1/can-bo-dang-vien/records/dv-${(i % 3) + 1}`, {
            headers: { authorization: `Bearer ${token}`, 'lienthong-purpose': purpose },
          });
          return {
            status: res.status,
            body: Buffer.from(await res.arrayBuffer()),
            header: res.headers.get(HEADER) ?? '',
            jws: res.headers.get('x-jws-signature'),
          };
        }),
      );
    }

    /**
     * A burst of concurrent reads in which some answers share a batch. How many requests one turn of
     * the event loop sees is up to the scheduler (on PGlite the database's queries run one at a time),
     * so up to five bursts are sent; one with no shared batch at all would mean no batching.
     */
    async function sharedBurst(): Promise<Answer[]> {
      for (let attempt = 0; attempt < 5; attempt++) {
        const answers = await readsAtOnce(48);
        if (new Set(answers.map(sigOf)).size < answers.length) return answers;
      }
      throw new Error('five bursts of 48 concurrent reads and no two answers shared a signature');
    }

    beforeAll(async () => {
      w = await startWorld(driver, { LIENTHONG_RESPONSE_SIGNATURES: 'batch', LIENTHONG_RATE_LIMIT_PER_SECOND: '10000' });
      // The custodian's writes go through the SDK, which verifies their batch signatures.
      await w.clients['BTCTW-CSDL'].writeBatch(
        'can-bo-dang-vien',
        [1, 2, 3].map((n) => ({ key: `dv-${n}`, data: member(n) })),
      );
      const jwks = (await (await fetch(`${w.internet}/.well-known/jwks.json`)).json()) as { keys: (crypto.JsonWebKey & { kid: string })[] };
      keys = new Map(jwks.keys.filter((k) => k.crv === 'Ed25519').map((k) => [k.kid, crypto.createPublicKey({ key: k, format: 'jwk' })]));
      token = await w.clients['VPCP-QLCB'].accessToken();
    });
    afterAll(() => w.env.close());

    it('every answer to 48 concurrent reads carries a batch signature and no JWS, and verifies alone with the published Ed25519 key by an independent verifier', async () => {
      const answers = await readsAtOnce(48);
      for (const a of answers) {
        expect(a.status).toBe(200);
        expect(a.jws).toBeNull();
        expect(a.header).toMatch(/^v=1;kid=[\w-]+;size=\d+;index=\d+;salt=[\w-]{22};path=[\w-]*;sig=[\w-]{86}$/);
        expect(verifyIndependently(a.header, a.body, keys)).not.toBeNull();
      }
    });

    it('concurrent reads share one signature: a batch covers several answers, each at its own index of one root', async () => {
      const answers = await sharedBurst();
      // Ed25519 is deterministic: answers of one batch carry the same signature bytes.
      const bySignature = new Map<string, Answer[]>();
      for (const a of answers) bySignature.set(sigOf(a), [...(bySignature.get(sigOf(a)) ?? []), a]);
      expect(bySignature.size).toBeLessThan(answers.length);
      const shared = [...bySignature.values()].filter((g) => g.length > 1);
      expect(shared.length).toBeGreaterThan(0);
      for (const group of shared) {
        const roots = new Set(group.map((a) => verifyIndependently(a.header, a.body, keys)!.toString('hex')));
        expect(roots.size).toBe(1);
        const indexes = group.map((a) => Number(/;index=(\d+);/.exec(a.header)![1]));
        expect(new Set(indexes).size).toBe(group.length);
        const size = Number(/;size=(\d+);/.exec(group[0]!.header)![1]);
        expect(size).toBeGreaterThanOrEqual(group.length);
      }
    });

    it('one flipped bit in the body, the path, the index, the salt or the signature makes the proof fail', async () => {
      const answers = await sharedBurst();
      const a = answers.find((x) => Number(/;size=(\d+);/.exec(x.header)![1]) >= 2)!;
      expect(verifyIndependently(a.header, a.body, keys)).not.toBeNull();
      const body = Buffer.from(a.body);
      body[body.length - 2]! ^= 1;
      expect(verifyIndependently(a.header, body, keys)).toBeNull();
      for (const field of ['path', 'salt', 'sig']) expect(verifyIndependently(withField(a.header, field, flipB64u), a.body, keys), field).toBeNull();
      // Another index of the same tree: the same path then leads elsewhere.
      const size = Number(/;size=(\d+);/.exec(a.header)![1]);
      const other = (i: number) => ((i ^ 1) < size ? i ^ 1 : i - 1); // another leaf of the same tree
      expect(
        verifyIndependently(
          withField(a.header, 'index', (i) => String(other(Number(i)))),
          a.body,
          keys,
        ),
      ).toBeNull();
      // The same proof does not stand for another answer of its batch either.
      const sibling = answers.find((x) => sigOf(x) === sigOf(a) && !x.body.equals(a.body));
      if (sibling) expect(verifyIndependently(a.header, sibling.body, keys)).toBeNull();
    });

    it('refusals are batch-signed too: a read for the wrong purpose is a 403 whose proof verifies', async () => {
      const [a] = await readsAtOnce(1, 'sai-muc-dich');
      expect(a!.status).toBe(403);
      expect(verifyIndependently(a!.header, a!.body, keys)).not.toBeNull();
    });

    it('the SDK verifies batch-signed answers and keeps the batch signature in the receipt', async () => {
      const client = w.client('VPCP-QLCB', { purpose: 'to-chuc-can-bo' });
      const got = await Promise.all([1, 2, 3].map((n) => client.getRecord('can-bo-dang-vien', `dv-${n}`)));
      expect(got.map((g) => g.data.key)).toEqual(['dv-1', 'dv-2', 'dv-3']);
      for (const g of got) {
        expect(g.receipt.signature_format).toBe('batch');
        expect(g.receipt.signature).toMatch(/^v=1;kid=/);
      }
      const err = await refused(client.getRecord('can-bo-dang-vien', 'dv-1', { purpose: 'sai-muc-dich' }));
      expect(err.status).toBe(403);
      expect(err.receipt?.signature_format).toBe('batch');
    });

    it('the SDK refuses a batch-signed answer whose body, path or signature was changed on the way (SignatureError)', async () => {
      const tamper = (change: (body: Buffer, header: string) => [Buffer, string]) =>
        w.client('VPCP-QLCB', {
          purpose: 'to-chuc-can-bo',
          fetch: async (input, init) => {
            const res = await fetch(input, init);
            if (!String(input).includes('/data/v1/')) return res;
            const [body, header] = change(Buffer.from(await res.arrayBuffer()), res.headers.get(HEADER) ?? '');
            const headers = new Headers(res.headers);
            headers.set(HEADER, header);
            return new Response(new Uint8Array(body), { status: res.status, headers });
          },
        });
      const changes: ((body: Buffer, header: string) => [Buffer, string])[] = [
        (body, header) => [Buffer.from(body.toString('utf8').replace('Nguyễn Văn 1', 'Nguyễn Văn 7')), header],
        (body, header) => [body, withField(header, 'sig', flipB64u)],
        (body, header) => [body, withField(header, 'salt', flipB64u)],
        (body, header) => [body, withField(header, 'size', (s) => String(Number(s) + 1))],
      ];
      for (const change of changes) await expect(tamper(change).getRecord('can-bo-dang-vien', 'dv-1')).rejects.toBeInstanceOf(SignatureError);
    });
  });
}
