import { createCache } from '../core/cache.ts';
import type { Clock } from '../core/clock.ts';
import { notFound } from '../core/errors.ts';
import type { Invalidations } from '../core/invalidations.ts';
import type { Database } from '../db/database.ts';
import type { Agreements } from '../agreements/index.ts';
import type { Catalog } from '../catalog/index.ts';
import type { NotificationService } from '../notifications/index.ts';
import { type Principal, seesEverything } from '../registry/index.ts';
import type { DeadlineCalendar } from './calendar-port.ts';
import { createConsumerSuspensions } from './consumer-suspensions.ts';
export { consumerNoticeDueAt, remedyEligibleFrom } from './consumer-suspensions.ts';
import { type LifecycleEvent, type EventFilter, listEvents } from './events.ts';
import { createNoticeBoard } from './notices.ts';
import { type ServiceSuspension, createServiceSuspensions, inForce } from './service-suspensions.ts';
import { createTerminations } from './termination.ts';
import type { Page } from '../db/rows.ts';

export type { DeadlineCalendar } from './calendar-port.ts';

/** What the gateway answers while a service is stopped for everyone. */
export interface ServiceBlock {
  suspension_id: string;
  kind: ServiceSuspension['kind'];
  notice_reference: string | null;
  expected_restore_at: Date | null;
}

/** Art. 15–16: stopping a service, suspending a consumer, terminating; the public notice board. */
export function createLifecycle(
  db: Database,
  clock: Clock,
  deps: { catalog: Catalog; agreements: Agreements; notifications: NotificationService; calendar: DeadlineCalendar; invalidations?: Invalidations },
) {
  // The gateway asks on every request: stops not yet ended, read at most once a second, and at once
  // after a change here or announced by another instance (core/invalidations.ts).
  type Stop = ServiceSuspension & { notice_reference: string | null };
  const cache = createCache<'stops', Stop[]>({ max: 1, ttlMs: 1000 });
  const { invalidations } = deps;
  invalidations?.on('stops', () => cache.invalidate());
  const invalidate = invalidations ? () => invalidations.changed('stops') : () => cache.invalidate();
  const notices = createNoticeBoard(db, clock);
  const services = createServiceSuspensions(db, clock, {
    catalog: deps.catalog,
    calendar: deps.calendar,
    notifications: deps.notifications,
    onChange: invalidate,
    consumersOf: (q, dataset, today) => deps.agreements.service.consumersOf(q, dataset, today),
  });
  // R-16.1(b): a force-majeure stop still in effect is what "the connection cannot be restored" rests on.
  const forceMajeureStop = async (dataset: string, at: Date) => {
    const s = (await stops()).find((x) => x.dataset_code === dataset && x.kind === 'force_majeure' && inForce(x, at));
    return s ? (s.notice_reference ?? s.id) : null;
  };
  const consumers = createConsumerSuspensions(db, clock, deps);
  const terminations = createTerminations(db, clock, { ...deps, forceMajeureStop, openSuspension: (id) => consumers.openFor(id) });

  const loadStops = async (): Promise<Stop[]> =>
    (
      await db.query<Stop>(
        `SELECT s.*, n.reference AS notice_reference FROM service_suspensions s LEFT JOIN public_notices n ON n.id = s.notice_id WHERE s.ended_at IS NULL`,
      )
    ).rows;
  const stops = () => cache.get('stops', loadStops);

  return {
    notices,
    services,
    consumers,
    terminations,

    /** is the dataset's service stopped for everyone right now? (the gateway's check) */
    async serviceBlock(dataset: string, at: Date): Promise<ServiceBlock | null> {
      const s = (await stops()).find((x) => x.dataset_code === dataset && inForce(x, at));
      return s ? { suspension_id: s.id, kind: s.kind, notice_reference: s.notice_reference, expected_restore_at: s.expected_restore_at } : null;
    },

    /**
     * The lifecycle history: every action with actor, time and reason, newest first, a
     * page at a time. A custodian reads its own; the coordinator and auditors any, or all at once.
     */
    async events(p: Principal, f: EventFilter): Promise<Page<LifecycleEvent>> {
      const custodian = f.custodian ?? (seesEverything(p) ? undefined : p.agencyCode);
      if (!seesEverything(p) && p.agencyCode !== custodian) throw notFound('lịch sử', 'history', custodian ?? '');
      return listEvents(db, { ...f, custodian });
    },
  };
}

export type Lifecycle = ReturnType<typeof createLifecycle>;

export { lifecycleRuntime } from './runtime.ts';
