import { PROBLEMS, Problem, type FieldViolation } from '../core/errors.ts';
import type { ProducerScope } from './producers.ts';

/** One record of a producer's batch: what it would become (null: deleted) and what it is now (null: new, or a tombstone). */
export interface ScopedWrite {
  index: number;
  key: string;
  next: Record<string, unknown> | null;
  current: Record<string, unknown> | null;
}

/** A JSON value as a code compares: strings as they are, other values as JSON text. */
const asText = (v: unknown): string | null => (v === undefined || v === null ? null : typeof v === 'string' ? v : JSON.stringify(v));
const inScope = (s: ProducerScope, data: Record<string, unknown>) => {
  const v = asText(data[s.field]);
  return v !== null && s.values.includes(v);
};
/** One authorisation covers a write when both the record as it is and as it would be are inside its scope. */
const covers = (s: ProducerScope | null, w: ScopedWrite) =>
  s === null || ((w.next === null || inScope(s, w.next)) && (w.current === null || inScope(s, w.current)));

const scopeText = (scopes: ProducerScope[]) => scopes.map((s) => `${s.field} ∈ {${s.values.join(', ')}}`).join('; ');

/**
 * a producer writes only inside the scope it was authorised for. New content must fall in
 * it, and so must a replaced or deleted record's current content — else a province's system could
 * take over another province's record by rewriting its province code. Each write must be covered
 * by one authorisation in force (several may apply: their scopes add up).
 */
export function scopeViolations(scopes: (ProducerScope | null)[], writes: ScopedWrite[]): FieldViolation[] {
  if (scopes.includes(null)) return [];
  const named = scopes as ProducerScope[];
  const allowed = scopeText(named);
  return writes.flatMap((w): FieldViolation[] => {
    if (named.some((s) => covers(s, w))) return [];
    const currentOut = w.current !== null && !named.some((s) => inScope(s, w.current!));
    const field = named[0]!.field;
    if (currentOut) {
      const v = asText(w.current![field]) ?? '—';
      return [
        {
          path: `/records/${w.index}/key`,
          message: `Bản ghi "${w.key}" hiện có ${field} = ${v}, ngoài phạm vi được uỷ quyền (${allowed}); không được sửa hoặc xoá.`,
          message_en: `Record "${w.key}" now has ${field} = ${v}, outside the authorised scope (${allowed}); it may not be changed or deleted.`,
        },
      ];
    }
    const v = asText(w.next?.[field]) ?? '—';
    return [
      {
        path: `/records/${w.index}/data/${field}`,
        message: `Bản ghi "${w.key}": ${field} = ${v} nằm ngoài phạm vi được uỷ quyền (${allowed}).`,
        message_en: `Record "${w.key}": ${field} = ${v} is outside the authorised scope (${allowed}).`,
      },
    ];
  });
}

/** The whole batch refused, each record outside the scope listed. */
export function outOfScope(errors: FieldViolation[]): Problem {
  return new Problem(PROBLEMS.forbidden, {
    rule: 'R-4.1',
    detail: `${errors.length} bản ghi nằm ngoài phạm vi được uỷ quyền cập nhật; không có gì được ghi.`,
    detail_en: `${errors.length} record(s) fall outside the authorised scope; nothing was written.`,
    errors: errors.slice(0, 1000),
    extra: { violation_count: errors.length },
  });
}
