import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODULES } from '../../src/migrations.ts';
import { startBackgroundWork } from '../../src/platform.ts';
import { type TestEnv, startEnv } from '../helpers/platform.ts';

describe('modules: the platform and the server take everything from one list', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await startEnv('pglite');
  });
  afterAll(async () => {
    await env?.close();
  });

  it('every declared module runs, each after the modules it depends on', () => {
    const names: string[] = env.platform.modules.map((m) => m.name);
    expect([...names].sort()).toEqual(MODULES.map((m) => m.name).sort());
    for (const [i, m] of env.platform.modules.entries()) for (const d of m.dependsOn) expect(names.indexOf(d)).toBeLessThan(i);
  });

  it("each module's routes are registered as its named plugins, and its tags are in the OpenAPI document", () => {
    for (const name of ['registry-routes', 'catalog-routes', 'accounts-routes', 'oauth-routes', 'ledger-routes', 'gateway-routes', 'lifecycle-routes']) {
      expect(env.app.hasPlugin(name), name).toBe(true);
    }
    const tags = (env.app.swagger().tags ?? []).map((t) => t.name);
    expect(tags).toEqual([...env.platform.modules.flatMap((m) => (m.tags ?? []).map((t) => t.name)), 'system']);
    expect(tags).toEqual(
      expect.arrayContaining([
        'auth',
        'registry',
        'catalog',
        'code-lists',
        'hosted-data',
        'agreements',
        'inbox',
        'ledger',
        'accounts',
        'calendar',
        'notices',
        'lifecycle',
        'data',
      ]),
    );
  });

  it("the background work is the modules' jobs, each on its period, and stops", async () => {
    const jobs = env.platform.modules.flatMap((m) => (m.jobs ?? []).map((j) => [m.name, j.name, j.periodMs]));
    expect(jobs).toEqual(
      expect.arrayContaining([
        ['ledger', 'sharing-log integration', 250],
        ['notifications', 'webhook deliveries', 2_000],
        ['agreements', 'agreement expiries', 60_000],
        ['sync', 'sealing secret records', 60_000],
        ['reports', 'report figures', 2_000],
        ['reports', 'compliance checks', 900_000],
        ['push', 'push deliveries', 250],
        ['reports', 'yearly report reminders', 3_600_000],
        ['warehouse', 'warehouse ingestion', 5_000],
        ['reports', 'sharing log verification', 3_600_000],
        ['schedules', 'scheduled synchronisation', 15_000],
      ]),
    );
    expect(jobs).toHaveLength(11);
    const failures: string[] = [];
    const stop = startBackgroundWork(env.platform, (_err, what) => failures.push(what));
    await new Promise((r) => setTimeout(r, 600));
    stop();
    expect(failures).toEqual([]);
  });
});
