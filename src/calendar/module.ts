import { declareModule } from '../db/modules.ts';

/** The working-day calendar. */
export const calendarModule = declareModule({
  name: 'calendar',
  dependsOn: ['registry'],
  home: import.meta.url,
  // Loaded when used: this declaration stays free of service code.
  seed: async (tx, now) => (await import('./seed.ts')).seedCalendar(tx, now),
});
