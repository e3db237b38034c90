import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Queryable } from '../db/database.ts';
import { type Agency, insertAgency } from './agencies.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
/** Real reference data shipped with the platform (MIT, see its LICENSE). */
export const UNITS_FILE = path.resolve(here, '../../reference/don-vi-hanh-chinh/units-2025.json');

type SeedAgency = Pick<Agency, 'code' | 'name_vi' | 'name_en' | 'kind' | 'parent_code' | 'central_office'>;

interface Province {
  Code: string;
  Name: string;
  NameEn: string;
  FullName: string;
}

export function centralAgencies(): SeedAgency[] {
  return JSON.parse(fs.readFileSync(path.join(here, 'seed/agencies.json'), 'utf8')) as SeedAgency[];
}

/** The 34 provincial / city Party committees of the two-level local government (from 1/7/2025). */
export function provincialCommittees(): SeedAgency[] {
  const provinces = JSON.parse(fs.readFileSync(UNITS_FILE, 'utf8')) as Province[];
  return provinces.map((p) => {
    const city = p.FullName.startsWith('Thành phố');
    return {
      code: `TU${p.Code}`,
      name_vi: `${city ? 'Thành ủy' : 'Tỉnh ủy'} ${p.Name}`,
      name_en: city ? `${p.NameEn} City Party Committee` : `${p.NameEn} Provincial Party Committee`,
      kind: 'provincial_party_committee',
      parent_code: null,
      central_office: false,
    };
  });
}

/**
 * Inserts the reference agencies that are missing; never overwrites a row an
 * official has since edited. Parents are inserted before their children.
 */
export async function seedAgencies(tx: Queryable, now: Date): Promise<number> {
  const pending = [...centralAgencies(), ...provincialCommittees()];
  const known = new Set((await tx.query<{ code: string }>('SELECT code FROM agencies')).rows.map((r) => r.code));
  const existing = new Set(known); // (checked in memory: a restart then costs one query here, not one per agency)
  let inserted = 0;
  while (pending.length > 0) {
    const ready = pending.findIndex((a) => a.parent_code === null || known.has(a.parent_code));
    if (ready < 0) throw new Error(`agency seed: unknown parent for ${pending.map((a) => a.code).join(', ')}`);
    const [a] = pending.splice(ready, 1);
    if (!existing.has(a!.code) && (await insertAgency(tx, a!, now))) inserted++;
    known.add(a!.code);
  }
  return inserted;
}
