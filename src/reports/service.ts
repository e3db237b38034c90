import type { Clock } from '../core/clock.ts';
import { notFound } from '../core/errors.ts';
import type { Database } from '../db/database.ts';
import type { Ledger } from '../ledger/index.ts';
import type { Catalog } from '../catalog/index.ts';
import type { Sync } from '../sync/index.ts';
import { createAudits } from './audits/service.ts';
import { createLogChecks } from './log-checks.ts';
import { oversightRules } from './oversight-rules.ts';
import { type Principal, seesEverything } from '../registry/index.ts';
import { createCounter } from './figures.ts';
import { createFindings } from './findings.ts';
import { type FiguresQuery, readFigures } from './query.ts';
import { INSPECTOR, type RuleDeps, complianceRules } from './rules.ts';
import { verifyFigures } from './verify.ts';
import { type YearlyDeps, createYearlyReports } from './yearly/service.ts';

/** Reports and oversight: figures counted from the sharing logs, their recount, compliance findings. */
export function createReports(
  db: Database,
  clock: Clock,
  deps: RuleDeps & { ledger: Ledger; catalog: Catalog; sync: Sync; yearly: Omit<YearlyDeps, 'registry' | 'agreements' | 'lifecycle' | 'ledger'> },
) {
  const counter = createCounter(db, clock, deps.ledger);
  const logChecks = createLogChecks(db, clock, deps.ledger);
  const findings = createFindings(db, clock, [...complianceRules(deps), ...oversightRules({ ...deps, logChecks })]);
  const audits = createAudits(db, clock, {
    ...deps,
    logChecks,
    openFindings: async (owner) => (await findings.list(INSPECTOR, { owner, limit: 1000, offset: 0 })).items.filter((f) => f.status !== 'resolved'),
  });
  return {
    counter,
    findings,
    /** verifications of the sharing logs, recorded. */
    logChecks,
    /** data audits. */
    audits,
    /** The yearly report of sharing results, submitted to the Central Party Office. */
    yearly: createYearlyReports(db, clock, { ...deps.yearly, registry: deps.registry, agreements: deps.agreements, lifecycle: deps.lifecycle, ledger: deps.ledger }),

    /** Figures from the daily aggregates, as of the positions (checkpoint sizes) they are counted up to. */
    figures: (p: Principal, f: FiguresQuery) => readFigures(db, p, f),

    /** The recount of one log's figures from its entries (`lienthong report verify`, no authorisation: an operator's command). */
    verify: (log: string) => verifyFigures(db, deps.ledger, log),

    /** The same recount for an official: the custodian of the log, coordinators, auditors. */
    async verifyAs(p: Principal, log: string) {
      if (!seesEverything(p) && p.agencyCode !== log) throw notFound('nhật ký chia sẻ', 'sharing log', log);
      if (!(await deps.ledger.logs()).includes(log)) throw notFound('nhật ký chia sẻ', 'sharing log', log);
      return verifyFigures(db, deps.ledger, log);
    },
  };
}

export type Reports = ReturnType<typeof createReports>;
