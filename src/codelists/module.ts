import { declareModule } from '../db/modules.ts';

/** Shared code lists. */
export const codeListsModule = declareModule({
  name: 'codelists',
  dependsOn: ['registry'],
  home: import.meta.url,
  // Loaded when used: this declaration stays free of service code.
  seed: async (tx, now) => (await import('./seed.ts')).seedCodeLists(tx, now),
});
