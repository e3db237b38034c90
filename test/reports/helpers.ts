import type { World } from '../gateway/world.ts';

/** Sequences every queued entry and signs a checkpoint covering them, then counts them into the figures. */
export async function settleLogs(w: World): Promise<void> {
  const p = w.env.platform;
  while ((await p.ledger.integrateAll()) > 0);
  w.env.clock.advance(6_000); // a checkpoint is due 5 s after the last
  await p.ledger.integrateAll();
  await p.reports.counter.countAll();
}
