import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Queryable } from '../db/database.ts';
import { recordChange } from '../db/history.ts';
import { SYSTEM_ACTOR } from '../registry/index.ts';
import { defaultDay, defaultDaysOff } from './holidays.ts';
import { dateFromJdn, isoToJdn } from './lunar.ts';
import { HISTORY_ENTITY, type DaySource } from './sources.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

/** One day an official text decides (R-15.3: the days deadlines are counted on). */
export interface SeedDay {
  date: string;
  working: boolean;
  reason_vi: string;
  reason_en: string;
  legal_basis: string;
  source: DaySource;
}

/** A day off of an announced year for which no text was found: computed, and said so. */
export interface ComputedDay {
  date: string;
  why_vi: string;
  why_en: string;
}

export interface CalendarSeed {
  announced_years: number[];
  /** Every day an official text decides. */
  days: SeedDay[];
  /** The subset that differs from the computed default: stored in calendar_days. */
  overrides: SeedDay[];
  /** The subset that agrees with the computed default: only its source is added. */
  confirmations: SeedDay[];
  computed: ComputedDay[];
}

interface SeedFile {
  announced_years: number[];
  documents: Record<string, DaySource>;
  days: (Omit<SeedDay, 'source'> & { source: string })[];
  computed: ComputedDay[];
}

/** A shipped day equal to what Art. 112 computes needs no override, only its source. */
function agreesWithDefault(d: SeedDay): boolean {
  const jdn = isoToJdn(d.date);
  const def = defaultDay(jdn, defaultDaysOff(dateFromJdn(jdn).year));
  return def.working === d.working && def.reason === d.reason_vi && def.reason_en === d.reason_en && def.legal_basis === d.legal_basis;
}

let loaded: CalendarSeed | undefined;

/** The government announcements shipped with the platform (2025–2026), with their documents. */
export function calendarSeed(): CalendarSeed {
  if (loaded) return loaded;
  const file = JSON.parse(fs.readFileSync(path.join(here, 'seed/announcements.json'), 'utf8')) as SeedFile;
  const days = file.days.map((d): SeedDay => {
    const source = file.documents[d.source];
    if (!source) throw new Error(`calendar seed: ${d.date} cites unknown document ${d.source}`);
    return {
      ...d,
      reason_vi: d.reason_vi.normalize('NFC'),
      legal_basis: d.legal_basis.normalize('NFC'),
      source: { ...source, document: source.document.normalize('NFC'), issuer: source.issuer.normalize('NFC') },
    };
  });
  const computed = file.computed.map((c) => ({ ...c, why_vi: c.why_vi.normalize('NFC') }));
  loaded = {
    announced_years: file.announced_years,
    days,
    overrides: days.filter((d) => !agreesWithDefault(d)),
    confirmations: days.filter(agreesWithDefault),
    computed,
  };
  return loaded;
}

interface SeedRow {
  date: string;
  working: boolean;
  reason_vi: string;
  reason_en: string;
  legal_basis: string;
  active: boolean;
  source: string;
  updated_by: string;
  source_document: string | null;
  source_issuer: string | null;
  source_date: string | null;
  source_url: string | null;
}

const fieldsOf = (d: SeedDay) => ({
  working: d.working,
  reason_vi: d.reason_vi,
  reason_en: d.reason_en,
  legal_basis: d.legal_basis,
  active: true,
  source_document: d.source.document,
  source_issuer: d.source.issuer,
  source_date: d.source.date,
  source_url: d.source.url,
});
const fieldsOfRow = (r: SeedRow) => ({
  working: r.working,
  reason_vi: r.reason_vi,
  reason_en: r.reason_en,
  legal_basis: r.legal_basis,
  active: r.active,
  source_document: r.source_document,
  source_issuer: r.source_issuer,
  source_date: r.source_date,
  source_url: r.source_url,
});
const same = (a: object, b: object) => JSON.stringify(a) === JSON.stringify(b);

/** A shipped row no person has touched: the platform may correct it when its data is corrected. */
const untouched = (r: SeedRow) => r.source === 'seed' && r.updated_by === SYSTEM_ACTOR;

/**
 * Brings calendar_days in line with the shipped announcements: inserts the shipped overrides whose
 * date has no row; corrects (or withdraws) shipped rows no person has touched when the shipped data
 * was corrected against the official texts. A date the coordinator edited or withdrew keeps its row,
 * so a restart never brings a corrected or withdrawn announcement back. Returns the rows changed.
 */
export async function seedCalendar(tx: Queryable, now: Date): Promise<number> {
  const rows = new Map(
    (
      await tx.query<SeedRow>(`SELECT to_char(day, 'YYYY-MM-DD') AS date, working, reason_vi, reason_en, legal_basis, active, source, updated_by,
       source_document, source_issuer, to_char(source_date, 'YYYY-MM-DD') AS source_date, source_url FROM calendar_days`)
    ).rows.map((r) => [r.date, r]),
  );
  const shipped = calendarSeed().overrides;
  let changed = 0;
  for (const d of shipped) {
    const row = rows.get(d.date);
    const after = fieldsOf(d);
    if (!row) {
      await tx.query(
        `INSERT INTO calendar_days (day, working, reason_vi, reason_en, legal_basis, active, source, created_by, updated_by, created_at, updated_at,
                                    source_document, source_issuer, source_date, source_url)
         VALUES ($1, $2, $3, $4, $5, true, 'seed', $6, $6, $7, $7, $8, $9, $10, $11)`,
        [d.date, d.working, d.reason_vi, d.reason_en, d.legal_basis, SYSTEM_ACTOR, now, d.source.document, d.source.issuer, d.source.date, d.source.url],
      );
      await recordChange(tx, {
        entity: HISTORY_ENTITY,
        key: d.date,
        action: 'seed',
        actor: SYSTEM_ACTOR,
        at: now,
        reason: `Thông báo đi kèm nền tảng / shipped announcement: ${d.source.document}`,
        after,
      });
    } else if (untouched(row) && row.active && !same(fieldsOfRow(row), after)) {
      await writeSeedRow(tx, d, now);
      await recordChange(tx, {
        entity: HISTORY_ENTITY,
        key: d.date,
        action: 'seed_correction',
        actor: SYSTEM_ACTOR,
        at: now,
        reason: `Đối chiếu văn bản / checked against: ${d.source.document}`,
        before: fieldsOfRow(row),
        after,
      });
    } else continue;
    changed++;
  }
  const kept = new Set(shipped.map((d) => d.date));
  for (const row of rows.values()) {
    if (kept.has(row.date) || !untouched(row) || !row.active) continue;
    await tx.query(`UPDATE calendar_days SET active = false, version = version + 1, updated_at = $2 WHERE day = $1`, [row.date, now]);
    await recordChange(tx, {
      entity: HISTORY_ENTITY,
      key: row.date,
      action: 'seed_withdrawal',
      actor: SYSTEM_ACTOR,
      at: now,
      reason: 'Ngày đi kèm nền tảng không khớp văn bản chính thức, rút / shipped day not in the official texts, withdrawn',
      before: fieldsOfRow(row),
      after: { ...fieldsOfRow(row), active: false },
    });
    changed++;
  }
  return changed;
}

async function writeSeedRow(tx: Queryable, d: SeedDay, now: Date): Promise<void> {
  await tx.query(
    `UPDATE calendar_days SET working = $2, reason_vi = $3, reason_en = $4, legal_basis = $5, source_document = $6, source_issuer = $7,
            source_date = $8, source_url = $9, version = version + 1, updated_at = $10 WHERE day = $1`,
    [d.date, d.working, d.reason_vi, d.reason_en, d.legal_basis, d.source.document, d.source.issuer, d.source.date, d.source.url, now],
  );
}
