import type { Mask, ResolvedField } from '../catalog/index.ts';
import { canonicalJson } from '../core/canonical.ts';

/**
 * What of a record may leave (R-4.2, R-8.2, personal-data protection): the granted fields whole;
 * a personal field the grant does not cover only through the dataset's masking rule, never whole;
 * everything else — other fields, and keys the dataset does not declare — is dropped.
 */
export interface ShapePlan {
  /** Fields copied as they are. */
  whole: ReadonlySet<string>;
  /** Personal fields shown masked. */
  masked: ReadonlyMap<string, Mask>;
}

export function shapePlan(fields: readonly ResolvedField[], granted: readonly string[]): ShapePlan {
  const whole = new Set(granted);
  const masked = new Map<string, Mask>();
  for (const f of fields) {
    if (!whole.has(f.name) && f.personal !== 'none' && f.mask) masked.set(f.name, f.mask);
  }
  return { whole, masked };
}

/**
 * Two plans with the same key shape every record alike: the fields let out whole and each masked
 * field with its mask, in a fixed order (what a page shared by many readers is keyed on).
 */
export function planKey(plan: ShapePlan): string {
  return JSON.stringify([[...plan.whole].sort(), [...plan.masked].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);
}

/** True when the plan lets every declared field out whole (a response that cannot be shaped may then pass). */
export function coversAll(plan: ShapePlan, fields: readonly ResolvedField[]): boolean {
  return fields.every((f) => plan.whole.has(f.name));
}

function maskValue(value: unknown, mask: Mask): unknown {
  if (value === null || value === undefined) return value;
  const s = String(value);
  switch (mask) {
    case 'last4':
      return s.length <= 4 ? '*'.repeat(s.length) : '*'.repeat(s.length - 4) + s.slice(-4);
    case 'initials':
      return s
        .normalize('NFC')
        .split(/\s+/u)
        .filter(Boolean)
        .map((w) => `${[...w][0]}.`)
        .join(' ');
    case 'year':
      return /^\d{4}/.test(s) ? s.slice(0, 4) : null;
  }
}

export function shapeRecord(data: Record<string, unknown>, plan: ShapePlan): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) {
    if (plan.whole.has(k)) out[k] = v;
    else {
      const mask = plan.masked.get(k);
      if (mask) out[k] = maskValue(v, mask);
    }
  }
  return out;
}

/**
 * `canonicalJson(shapeRecord(data, plan))` in one pass, for a stream of records (an export). The
 * members the plan lets out are sorted once, as RFC 8785 orders them (by UTF-16 code units:
 * JavaScript's default sort; a record's present members keep that order). Text, booleans, null
 * and finite numbers are written by JSON.stringify, whose forms RFC 8785 adopts; objects and
 * arrays by canonicalJson; anything else (no JSON data has it) takes the two-step path whole.
 */
export function canonicalShaper(plan: ShapePlan): (data: Record<string, unknown>) => string {
  const members = [...new Set([...plan.whole, ...plan.masked.keys()])]
    .sort()
    .map((name) => ({ name, prefix: `${JSON.stringify(name)}:`, mask: plan.whole.has(name) ? undefined : plan.masked.get(name) }));
  return (data) => {
    let out = '';
    for (const m of members) {
      if (!Object.hasOwn(data, m.name)) continue;
      const v = m.mask ? maskValue(data[m.name], m.mask) : data[m.name];
      let json: string;
      if (typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) json = JSON.stringify(v);
      else if (typeof v === 'object') json = v === null ? 'null' : canonicalJson(v);
      else return canonicalJson(shapeRecord(data, plan));
      out += out ? `,${m.prefix}${json}` : m.prefix + json;
    }
    return `{${out}}`;
  };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Shapes a custodian service's JSON answer (R-6.1b) the way hosted records are shaped: a record
 * object, an array of records, or an envelope whose `data` is a record or whose `items` is an
 * array of records. Anything else cannot be shaped safely and is refused by the caller (null).
 */
export function shapeUpstreamJson(body: unknown, plan: ShapePlan): unknown {
  const list = (a: unknown[]) => (a.every(isRecord) ? a.map((r) => shapeRecord(r, plan)) : null);
  if (Array.isArray(body)) return list(body);
  if (!isRecord(body)) return null;
  if (Array.isArray(body.items)) {
    const items = list(body.items);
    return items && { items, ...(typeof body.next_cursor === 'string' && { next_cursor: body.next_cursor }) };
  }
  if (isRecord(body.data)) return { data: shapeRecord(body.data, plan) };
  return shapeRecord(body, plan);
}
