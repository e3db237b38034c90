import { performance } from 'node:perf_hooks';
import { systemClock } from '../src/core/clock.ts';
import { memoryCryptoProvider } from '../src/core/crypto.ts';
import { openDatabase } from '../src/db/open.ts';
import { createLedger } from '../src/ledger/service.ts';
const db = await openDatabase({ databaseUrl: 'postgres://postgres@127.0.0.1:5432/lt_scratch_ledger' });
const ledger = createLedger(db, systemClock, memoryCryptoProvider('EdDSA'));
const p = { userId: 'b', username: 'b', fullName: 'b', agencyCode: 'VPTW', roles: ['coordinator'], sessionId: 'b', sessionExpiresAt: new Date() } as any;
const size = await ledger.treeSize('VPCP');
for (const round of [1, 2]) {
  const a: number[] = [];
  for (let i = 0; i < 2200; i++) { const idx = Math.floor(Math.random() * 1_000_000); const s = performance.now(); await ledger.inclusion(p, 'VPCP', idx, size); a.push(performance.now() - s); }
  const s = a.slice(200).sort((x, y) => x - y);
  console.log('round', round, 'p50', s[999]!.toFixed(3), 'p90', s[1799]!.toFixed(3), 'p99', s[1979]!.toFixed(3), 'max', s.at(-1)!.toFixed(3));
}
for (const [i, sz] of [[5, 12345], [999_000, 999_999]]) { try { await ledger.inclusion(p, 'VPCP', i!, sz!); console.log(i, sz, 'ok'); } catch (e) { console.log(i, sz, 'ERR', (e as Error).message); } }
await db.close();
