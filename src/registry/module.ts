import { declareModule } from '../db/modules.ts';

/** Agencies, information systems, officials and their sign-in. */
export const registryModule = declareModule({
  name: 'registry',
  dependsOn: [],
  home: import.meta.url,
  // Loaded when used: this declaration stays free of service code.
  seed: async (tx, now) => (await import('./seed.ts')).seedAgencies(tx, now),
});
