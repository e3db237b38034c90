import { describe, expect, it } from 'vitest';
import { type LedgerEntry, genericLeafBytes, leafBytes } from '../../src/ledger/entry.ts';
// The benchmark's seeded PRNG (mulberry32), so a failure can be replayed.
import { prng } from '../../bench/ledger-util.ts';

// Strings that exercise RFC 8785 §3.2.2: escapes, control characters, non-ASCII, astral planes,
// U+2028, DEL, lone and paired surrogates, and keys whose UTF-16 order differs from code-point order.
const ODD = [
  '',
  'a',
  'Nguyễn Văn A',
  '"quoted"',
  'back\\slash',
  'tab\tnew\nline\r',
  '\u0000\u001f\u007f',
  '\u2028\u2029',
  '😀 ',
  '\uffff',
  'z',
  'é',
  'ﬀ',
  '𝄞',
  'A',
  '€',
  '\u0080',
  '\ud800',
  'x\udfff',
  '\udbff\udc00',
];

function randomEntry(random: () => number): LedgerEntry {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const str = () => pick(ODD) + (random() < 0.5 ? String(Math.floor(random() * 1e6)) : '');
  const orNull = () => (random() < 0.2 ? null : str());
  const list = () => Array.from({ length: Math.floor(random() * 4) }, str);
  const query: Record<string, string> = {};
  for (let i = Math.floor(random() * 5); i > 0; i--) query[str()] = str();
  return {
    requested_at: new Date(Math.floor(random() * 2e12)).toISOString(),
    responded_at: str(),
    form: pick(['api', 'sync', 'push', 'export', 'direct'] as const),
    requester: { agency: orNull(), system: orNull(), account: orNull() },
    request: { method: pick(['GET', 'POST']), resource: str(), query, purpose: orNull(), fields: list() },
    dataset: orNull(),
    record_keys: list(),
    response: {
      status: pick([200, 404, 0, -1, 1.5, 1e21, 599]),
      content_sha256: orNull(),
      content_kept: random() < 0.5,
      // The gateway's entries also state the length delivered and the refusing rule (reports recount them).
      ...(random() < 0.5 && { bytes: pick([0, 17, 1e21, 65536]), rule: orNull() }),
    },
    agreement_ids: list(),
    policy_version: orNull(),
    trace_id: str(),
    gateway_instance: str(),
    // a write's entry names its producing agency
    ...(random() < 0.3 && { producer_agency: str() }),
  };
}

describe('R-17.2: the leaf is the RFC 8785 canonical JSON of the entry', () => {
  it('the direct writer gives the same bytes as the generic canonicaliser for 5,000 varied entries', () => {
    const random = prng(172);
    for (let n = 0; n < 5000; n++) {
      const e = randomEntry(random);
      const log = n % 2 ? 'BTCTW' : 'Đ"X';
      expect(leafBytes(log, e).equals(genericLeafBytes(log, e)), JSON.stringify(e)).toBe(true);
    }
  });

  it('an entry off the expected shape still gets its canonical form (generic path)', () => {
    const e = randomEntry(prng(5));
    const extra = { ...e, note: 'an extra member' } as unknown as LedgerEntry;
    expect(leafBytes('BCT', extra).equals(genericLeafBytes('BCT', extra))).toBe(true);
    expect(leafBytes('BCT', extra).toString()).toContain('"note":"an extra member"');
    const nested = { ...e, request: { ...e.request, query: { a: ['1', '2'] } } } as unknown as LedgerEntry;
    expect(leafBytes('BCT', nested).equals(genericLeafBytes('BCT', nested))).toBe(true);
  });
});
