import type { Clock } from '../core/clock.ts';
import type { Database } from '../db/database.ts';
import type { ScheduleDeps } from './deps.ts';
import { type RunnerOptions, createRunner } from './runner.ts';
import { createScheduleService } from './service.ts';

/** Periodic synchronisation (R-6.1c): schedules, and the runner that makes their runs. */
export function createSchedules(db: Database, clock: Clock, deps: ScheduleDeps, opts: RunnerOptions = {}) {
  return { service: createScheduleService(db, clock, deps), runner: createRunner(db, clock, deps, opts) };
}

export type Schedules = ReturnType<typeof createSchedules>;
export type { ScheduleDeps } from './deps.ts';

export { schedulesRuntime } from './runtime.ts';
