import { vietnamDate } from '../../core/time.ts';
import type { LedgerEntry } from '../../ledger/index.ts';

/**
 * The re-check of one logged exchange against the agreements as they stood when it happened
 * (R-18.2 data audit, R-4.2, R-8.2): was an agreement of this system on this dataset in force on
 * that date, and was every field served granted by it then? Pure: the caller gives the
 * agreements with their event history.
 */

export interface AgreementAtTime {
  id: string;
  dataset_code: string;
  system_code: string;
  valid_from: string;
  valid_to: string;
  granted_fields: string[] | null;
  events: { action: string; to_status: string; at: Date; details: Record<string, unknown> }[];
}

export interface SampleProblem {
  code: 'no_agreement' | 'unknown_agreement' | 'other_party' | 'not_in_force' | 'outside_validity' | 'field_not_granted';
  vi: string;
  en: string;
}

/** The agreement's status and granted fields at instant `at`, from its events (the last change at or before it). */
function stateAt(a: AgreementAtTime, at: Date): { status: string | null; granted: string[] | null } {
  let status: string | null = null;
  let granted: string[] | null = null;
  for (const e of [...a.events].sort((x, y) => x.at.getTime() - y.at.getTime())) {
    if (e.at.getTime() > at.getTime()) break;
    status = e.to_status;
    const g = e.details?.granted_fields;
    if (Array.isArray(g)) granted = g as string[];
  }
  return { status, granted: granted ?? (status ? a.granted_fields : null) };
}

/** The problems of one exchange; none when it was served within a grant in force. */
export function checkExchange(
  entry: LedgerEntry,
  agreements: Map<string, AgreementAtTime | null>,
  openData: boolean,
): SampleProblem[] {
  if (openData) return [];
  const at = new Date(entry.requested_at);
  const day = vietnamDate(at);
  if (entry.agreement_ids.length === 0)
    return [{ code: 'no_agreement', vi: 'Dữ liệu được cung cấp mà không có thỏa thuận.', en: 'Data was served without an agreement.' }];
  const problems: SampleProblem[] = [];
  const granted = new Set<string>();
  let inForce = 0;
  for (const id of entry.agreement_ids) {
    const a = agreements.get(id);
    if (!a) {
      problems.push({ code: 'unknown_agreement', vi: `Không có thỏa thuận ${id}.`, en: `No agreement ${id}.` });
      continue;
    }
    if (a.system_code !== entry.requester.system || a.dataset_code !== entry.dataset) {
      problems.push({
        code: 'other_party',
        vi: `Thỏa thuận ${id} là của hệ thống ${a.system_code} với bộ dữ liệu ${a.dataset_code}.`,
        en: `Agreement ${id} is for system ${a.system_code} and dataset ${a.dataset_code}.`,
      });
      continue;
    }
    if (day < a.valid_from || day > a.valid_to) {
      problems.push({
        code: 'outside_validity',
        vi: `Ngày ${day} nằm ngoài thời hạn của thỏa thuận ${id} (${a.valid_from} – ${a.valid_to}).`,
        en: `${day} is outside the validity of agreement ${id} (${a.valid_from} to ${a.valid_to}).`,
      });
      continue;
    }
    const s = stateAt(a, at);
    if (s.status !== 'active') {
      problems.push({
        code: 'not_in_force',
        vi: `Thỏa thuận ${id} không có hiệu lực vào thời điểm đó (trạng thái ${s.status ?? 'chưa có'}).`,
        en: `Agreement ${id} was not in force then (status ${s.status ?? 'none'}).`,
      });
      continue;
    }
    inForce++;
    for (const f of s.granted ?? []) granted.add(f);
  }
  // One agreement in force is enough; the fields are then judged against what it granted.
  if (inForce === 0) return problems;
  const outside = entry.request.fields.filter((f) => !granted.has(f));
  if (outside.length === 0) return [];
  return [
    {
      code: 'field_not_granted',
      vi: `Các trường được cung cấp ngoài phạm vi được phép: ${outside.join(', ')}.`,
      en: `Fields served outside the grant: ${outside.join(', ')}.`,
    },
  ];
}
