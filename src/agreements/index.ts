import { notFound } from '../core/errors.ts';
import type { Clock } from '../core/clock.ts';
import { vietnamDate } from '../core/time.ts';
import type { Invalidations } from '../core/invalidations.ts';
import type { Database } from '../db/database.ts';
import type { Catalog } from '../catalog/index.ts';
import type { CodeLists } from '../codelists/index.ts';
import type { NotificationService } from '../notifications/index.ts';
import type { Registry } from '../registry/index.ts';
import { type Principal, seesEverything } from '../registry/index.ts';
import { type DecisionRequest, createDecider } from './decision.ts';
import { createAgreementService } from './service.ts';

export function createAgreements(
  db: Database,
  clock: Clock,
  deps: { registry: Registry; catalog: Catalog; codeLists: CodeLists; notifications: NotificationService; invalidations?: Invalidations },
) {
  const decider = createDecider(db, clock, deps);
  // A change here is seen here at once and announced to the other instances (core/invalidations.ts).
  const { invalidations } = deps;
  invalidations?.on('agreements', decider.invalidate);
  const invalidate = invalidations ? () => invalidations.changed('agreements') : decider.invalidate;
  const service = createAgreementService(db, clock, { ...deps, onChange: invalidate });
  return {
    service,
    decide: decider.decide,
    invalidate,

    /** The decision, for the parties and inspectors to see why a request would pass or fail. */
    async explain(p: Principal, q: DecisionRequest) {
      const [system, dataset] = await Promise.all([
        deps.registry.systems.byCode(q.system).catch(() => null),
        deps.catalog.datasets.get(q.dataset).catch(() => null),
      ]);
      const party = (system && system.agency_code === p.agencyCode) || (dataset && dataset.custodian_code === p.agencyCode);
      if (!seesEverything(p) && !party) throw notFound('hệ thống hoặc bộ dữ liệu', 'system or dataset', `${q.system}/${q.dataset}`);
      return decider.decide(q);
    },

    /**
     * Datasets a system holds a grant for today: the scopes its access tokens may carry.
     * A suspended grant still counts, so the gateway's refusal names the suspension.
     */
    async datasetsFor(systemCode: string): Promise<string[]> {
      const today = vietnamDate(clock.now());
      const r = await db.query<{ dataset_code: string }>(
        "SELECT DISTINCT dataset_code FROM agreements WHERE system_code = $1 AND status IN ('active', 'suspended') AND valid_from <= $2 AND valid_to >= $2 ORDER BY dataset_code",
        [systemCode, today],
      );
      return r.rows.map((x) => x.dataset_code);
    },
  };
}

export type Agreements = ReturnType<typeof createAgreements>;

export { agreementsRuntime } from './runtime.ts';
