import { declareModule } from '../db/modules.ts';

/** Connection accounts and OAuth 2.0. */
export const accountsModule = declareModule({
  name: 'accounts',
  dependsOn: ['registry', 'catalog'],
  home: import.meta.url,
});
