import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Queryable } from '../db/database.ts';
import { insertEntry } from './dictionary.ts';
import { insertDataset } from './datasets.ts';
import type { Classification, Dataset, DictionaryInput, Domain, SharedField, SharingSpec } from './types.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

interface SeedDataset {
  code: string;
  name_vi: string;
  name_en: string;
  custodian_code: string;
  custodian_text: string;
  audience: Dataset['audience'];
  classification: Classification;
  personal_data: boolean;
  auth_required: boolean;
  frequency: SharingSpec['frequency'];
  format: string;
  fields: SharedField[];
}

export interface SeedDomain extends Omit<Domain, 'dataset_count'> {
  datasets: SeedDataset[];
}

export interface AppendixSeed {
  source_vi: string;
  domains: SeedDomain[];
}

/** The initial catalog: the Appendix of Regulation 384 and the Art. 10 list. */
export function appendix(): AppendixSeed {
  return JSON.parse(fs.readFileSync(path.join(here, 'seed/appendix.json'), 'utf8')) as AppendixSeed;
}

const REGULATION_DATE = '2025-11-19';

/** The shared field definitions the coordinator starts the dictionary with. */
export function dictionarySeed(): DictionaryInput[] {
  return JSON.parse(fs.readFileSync(path.join(here, 'seed/dictionary.json'), 'utf8')) as DictionaryInput[];
}

/** A seed field named like a dictionary entry uses that entry. */
function linkDictionary(fields: SharedField[], names: Set<string>): SharedField[] {
  return fields.map((f) => (names.has(f.name) ? { ...f, dictionary: f.name } : f));
}

/** Inserts the dictionary entries, domains and datasets that are missing; rows edited since are left alone. */
export async function seedCatalog(tx: Queryable, now: Date): Promise<number> {
  let inserted = 0;
  // What exists is read once: a restart then costs three queries here, not one per row.
  const codes = async (sql: string) => new Set((await tx.query<{ code: string }>(sql)).rows.map((r) => r.code));
  const [entries, domains, datasets] = [
    await codes('SELECT name AS code FROM dictionary_entries'),
    await codes('SELECT code FROM domains'),
    await codes('SELECT code FROM datasets'),
  ];
  const dictionary = dictionarySeed();
  for (const e of dictionary) if (!entries.has(e.name) && (await insertEntry(tx, e, now))) inserted++;
  const names = new Set(dictionary.map((e) => e.name));
  for (const d of appendix().domains) {
    if (!domains.has(d.code)) {
      await tx.query(`INSERT INTO domains (code, number, name_vi, name_en, source) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (code) DO NOTHING`, [
        d.code,
        d.number,
        d.name_vi.normalize('NFC'),
        d.name_en,
        d.source,
      ]);
    }
    for (const s of d.datasets.filter((x) => !datasets.has(x.code))) {
      const ok = await insertDataset(
        tx,
        {
          code: s.code,
          name_vi: s.name_vi.normalize('NFC'),
          name_en: s.name_en,
          domain_code: d.code,
          custodian_code: s.custodian_code,
          custodian_text: s.custodian_text.normalize('NFC'),
          audience: s.audience,
          classification: s.classification,
          personal_data: s.personal_data,
          auth_required: s.auth_required,
          sharing_spec: { fields: linkDictionary(s.fields, names), frequency: s.frequency, format: s.format },
          mode: 'hosted',
          status: 'published',
          legal_basis: d.source === 'article-10' ? 'Điều 10, Quy định 384-QĐ/TW ngày 19/11/2025' : 'Phụ lục, Quy định 384-QĐ/TW ngày 19/11/2025',
          last_reviewed_on: REGULATION_DATE,
        },
        now,
      );
      if (ok) inserted++;
    }
  }
  return inserted;
}
