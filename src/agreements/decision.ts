import { vietnamDate } from '../core/time.ts';
import type { Clock } from '../core/clock.ts';
import type { Database } from '../db/database.ts';
import type { Catalog } from '../catalog/index.ts';
import type { Registry } from '../registry/index.ts';
import { isSecret } from './rules.ts';

/**
 * The one answer to "may system S read fields F of dataset D for purpose P now?".
 * Deny by default. Evaluated in memory over a snapshot of active grants,
 * datasets and systems; the snapshot is rebuilt when the policy generation in
 * the database moves (bumped by triggers on every relevant write), checked at
 * most every POLL_MS — so every instance sees a change within a second.
 */
export interface DecisionRequest {
  system: string;
  dataset: string;
  purpose?: string | undefined;
  /** Fields asked for; omitted means "whatever is granted". */
  fields?: string[] | undefined;
  /** The listener's network zone; secret data needs `tslcd`. */
  zone?: 'internet' | 'tslcd' | undefined;
  at?: Date | undefined;
}

export type Decision =
  | { allow: true; rule: string; agreement_ids: string[]; fields: string[]; policy_version: string }
  | { allow: false; rule: string; reason: string; reason_en: string; policy_version: string };

interface Grant {
  id: string;
  purpose: string;
  fields: Set<string>;
  from: string;
  to: string;
  suspension: SuspensionNote | null;
}
interface SuspensionNote {
  reason_vi: string;
  reason_en: string;
  reference: string;
}
interface DatasetFacts {
  published: boolean;
  open: boolean;
  secret: boolean;
  fields: string[];
}
interface SystemFacts {
  allowed: boolean;
  refusal: { rule: string; reason: string; reason_en: string } | null;
}
interface Snapshot {
  generation: number;
  grants: Map<string, Grant[]>;
  datasets: Map<string, DatasetFacts>;
  systems: Map<string, SystemFacts>;
}

export const POLL_MS = 250;

export function createDecider(db: Database, clock: Clock, deps: { catalog: Catalog; registry: Registry }) {
  let snapshot: Snapshot | null = null;
  let checkedAt = 0;
  let loading: Promise<Snapshot> | null = null;

  async function generation(): Promise<number> {
    return (await db.query<{ generation: number }>('SELECT generation FROM policy_generation WHERE id = 1')).rows[0]!.generation;
  }

  async function load(gen: number): Promise<Snapshot> {
    const [grantRows, datasets, systems] = await Promise.all([
      db.query<{
        id: string;
        system_code: string;
        dataset_code: string;
        purpose_code: string;
        granted_fields: string[];
        valid_from: string;
        valid_to: string;
        status: string;
        suspension_note: SuspensionNote | null;
      }>(
        "SELECT id, system_code, dataset_code, purpose_code, granted_fields, valid_from, valid_to, status, suspension_note FROM agreements WHERE status IN ('active', 'suspended')",
      ),
      deps.catalog.datasets.list({ limit: 100_000, offset: 0 }),
      deps.registry.systems.all(),
    ]);
    const grants = new Map<string, Grant[]>();
    for (const g of grantRows.rows) {
      const key = `${g.system_code}|${g.dataset_code}`;
      grants.set(key, [
        ...(grants.get(key) ?? []),
        {
          id: g.id,
          purpose: g.purpose_code,
          fields: new Set(g.granted_fields),
          from: g.valid_from,
          to: g.valid_to,
          suspension: g.status === 'suspended' ? (g.suspension_note ?? { reason_vi: '', reason_en: '', reference: '' }) : null,
        },
      ]);
    }
    return {
      generation: gen,
      grants,
      datasets: new Map(
        datasets.items.map((d) => [
          d.code,
          { published: d.status === 'published', open: !d.auth_required, secret: isSecret(d), fields: d.sharing_spec.fields.map((f) => f.name) },
        ]),
      ),
      systems: new Map(systems.map((s) => [s.code, { allowed: s.sharing_allowed, refusal: s.sharing_refusal }])),
    };
  }

  /**
   * The snapshot of the current generation, checked at most every POLL_MS. A load that began
   * before an `invalidate` (a change committed here) answers neither the decisions asked after
   * it nor the next POLL_MS: each load carries the epoch it began in, and only the current
   * epoch's load is joined or marks the snapshot as checked. Generations only grow, so a late
   * load never replaces a newer snapshot.
   */
  let epoch = 0;
  let loadingEpoch = -1;
  async function current(): Promise<Snapshot> {
    const now = Date.now();
    if (snapshot && now - checkedAt < POLL_MS) return snapshot;
    if (loading && loadingEpoch === epoch) return loading;
    const mine = epoch;
    loadingEpoch = mine;
    loading = (async () => {
      try {
        const gen = await generation();
        if (!snapshot || snapshot.generation < gen) {
          const loaded = await load(gen);
          if (!snapshot || snapshot.generation < loaded.generation) snapshot = loaded;
        }
        if (mine === epoch) checkedAt = Date.now();
        return snapshot!;
      } finally {
        if (loadingEpoch === mine) loading = null;
      }
    })();
    return loading;
  }

  return {
    /** Forces the next decision to re-check the generation (same-instance writes are seen at once). */
    invalidate(): void {
      checkedAt = 0;
      epoch += 1;
    },

    async decide(q: DecisionRequest): Promise<Decision> {
      return evaluate(await current(), q, vietnamDate(q.at ?? clock.now()));
    },
  };
}

function evaluate(s: Snapshot, q: DecisionRequest, today: string): Decision {
  const version = `g${s.generation}`;
  const deny = (rule: string, reason: string, reason_en: string): Decision => ({ allow: false, rule, reason, reason_en, policy_version: version });
  const dataset = s.datasets.get(q.dataset);
  if (!dataset || !dataset.published)
    return deny('R-4.2', 'Bộ dữ liệu không tồn tại hoặc chưa được công bố để chia sẻ.', 'The dataset does not exist or is not published for sharing.');
  const unknown = (q.fields ?? []).filter((f) => !dataset.fields.includes(f));
  if (unknown.length) return deny('R-8.2', `Bộ dữ liệu không chia sẻ trường: ${unknown.join(', ')}.`, `The dataset does not share: ${unknown.join(', ')}.`);
  // exception: open data needs no account and no agreement.
  if (dataset.open) return { allow: true, rule: 'R-14.1', agreement_ids: [], fields: q.fields ?? dataset.fields, policy_version: version };

  const system = s.systems.get(q.system);
  if (!system) return deny('R-14.1', 'Hệ thống khai thác không được đăng ký.', 'The consumer system is not registered.');
  if (system.refusal) return deny(system.refusal.rule, system.refusal.reason, system.refusal.reason_en);
  if (dataset.secret && q.zone !== 'tslcd')
    return deny(
      'R-12.2',
      'Dữ liệu mật, tối mật chỉ được cung cấp qua mạng truyền số liệu chuyên dùng.',
      'Secret data is served on the dedicated data network only.',
    );

  const inForce = (s.grants.get(`${q.system}|${q.dataset}`) ?? []).filter((g) => g.from <= today && today <= g.to);
  if (inForce.length === 0)
    return deny('R-4.2', 'Không có thoả thuận chia sẻ còn hiệu lực cho hệ thống và bộ dữ liệu này.', 'No agreement in force for this system and dataset.');
  if (!q.purpose) return deny('R-5.2', 'Yêu cầu phải khai báo mục đích khai thác.', 'The request must declare its purpose.');
  const matching = inForce.filter((g) => g.purpose === q.purpose);
  if (matching.length === 0)
    return deny('R-5.2', `Mục đích "${q.purpose}" không phải mục đích đã được chấp thuận.`, `Purpose "${q.purpose}" is not an approved purpose.`);
  // a connection suspended for this consumer is refused with the reason it was notified.
  const forPurpose = matching.filter((g) => !g.suspension);
  if (forPurpose.length === 0) {
    const n = matching[0]!.suspension!;
    return deny(
      'R-15.2',
      `Kết nối của hệ thống với bộ dữ liệu này đang bị tạm ngừng (${n.reference}): ${n.reason_vi}`,
      `This system's connection to the dataset is suspended (${n.reference}): ${n.reason_en}`,
    );
  }
  const granted = new Set(forPurpose.flatMap((g) => [...g.fields]));
  const refused = (q.fields ?? []).filter((f) => !granted.has(f));
  if (refused.length)
    return deny('R-8.2', `Các trường chưa được chủ quản cho phép: ${refused.join(', ')}.`, `Fields not granted by the custodian: ${refused.join(', ')}.`);
  return {
    allow: true,
    rule: 'R-4.2',
    agreement_ids: forPurpose.map((g) => g.id),
    fields: q.fields ?? dataset.fields.filter((f) => granted.has(f)),
    policy_version: version,
  };
}
