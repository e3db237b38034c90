import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Queryable } from '../db/database.ts';
import { recordChange } from '../db/history.ts';
import { SYSTEM_ACTOR } from '../registry/index.ts';
import { HISTORY_ENTITY } from './service.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

export interface SeedDay {
  date: string;
  working: boolean;
  reason_vi: string;
  reason_en: string;
  legal_basis: string;
  /** How sure the shipped data is: see `source_vi` of the file. */
  verification: 'verified' | 'reported' | 'unverified';
}

export interface CalendarSeed {
  source_vi: string;
  source_en: string;
  defaults_checked: string[];
  days: SeedDay[];
}

/** The government announcements shipped with the platform (2025–2026). */
export function calendarSeed(): CalendarSeed {
  const seed = JSON.parse(fs.readFileSync(path.join(here, 'seed/announcements.json'), 'utf8')) as CalendarSeed;
  return { ...seed, days: seed.days.map((d) => ({ ...d, reason_vi: d.reason_vi.normalize('NFC'), reason_en: d.reason_en, legal_basis: d.legal_basis.normalize('NFC') })) };
}

/**
 * Inserts the shipped overrides whose date has no row yet. A date the
 * coordinator has edited or withdrawn keeps its row, so a restart never
 * brings a corrected or withdrawn announcement back.
 */
export async function seedCalendar(tx: Queryable, now: Date): Promise<number> {
  let added = 0;
  const known = new Set((await tx.query<{ day: string }>('SELECT day::text AS day FROM calendar_days')).rows.map((r) => r.day));
  for (const d of calendarSeed().days.filter((x) => !known.has(x.date))) {
    const r = await tx.query(
      `INSERT INTO calendar_days (day, working, reason_vi, reason_en, legal_basis, active, source, created_by, updated_by, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, true, 'seed', $6, $6, $7, $7) ON CONFLICT (day) DO NOTHING RETURNING day`,
      [d.date, d.working, d.reason_vi, d.reason_en, d.legal_basis, SYSTEM_ACTOR, now],
    );
    if (r.rows.length === 0) continue;
    added++;
    await recordChange(tx, {
      entity: HISTORY_ENTITY, key: d.date, action: 'seed', actor: SYSTEM_ACTOR, at: now,
      reason: `Thông báo đi kèm nền tảng (${d.verification}) / shipped announcement (${d.verification})`,
      after: { working: d.working, reason_vi: d.reason_vi, reason_en: d.reason_en, legal_basis: d.legal_basis, active: true },
    });
  }
  return added;
}
