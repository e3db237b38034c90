import type { Suite } from './lib/context.ts'; import type { OwnPostgres } from './lib/pg.ts';
export async function slowScenario(_suite: Suite, _own: OwnPostgres): Promise<void> {}
