import { declareModule } from '../db/modules.ts';

/** Agencies' inbox and webhook deliveries. */
export const notificationsModule = declareModule({
  name: 'notifications',
  dependsOn: ['registry'],
  home: import.meta.url,
});
