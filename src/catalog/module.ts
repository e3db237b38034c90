import { declareModule } from '../db/modules.ts';

/** The data catalog and its dictionary (R-3, the Appendix). */
export const catalogModule = declareModule({
  name: 'catalog',
  dependsOn: ['registry', 'codelists'],
  home: import.meta.url,
  // Loaded when used: this declaration stays free of service code.
  seed: async (tx, now) => (await import('./seed.ts')).seedCatalog(tx, now),
});
