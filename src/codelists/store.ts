import crypto from 'node:crypto';
import { canonicalJson } from '../core/canonical.ts';
import { newId } from '../core/ids.ts';
import { foldVietnamese } from '../core/text.ts';
import type { Queryable } from '../db/database.ts';
import type { CodeItem, CodeListVersion, PublishInput } from './types.ts';

/** Table access for code lists; versions and items are insert-only. */
export const VERSION_COLUMNS = 'version_no, effective_from, effective_to, legal_basis, note, item_count, checksum, published_by, published_at';

export interface VersionRow extends CodeListVersion {
  id: string;
}

/** The version in force on `date`: latest effective_from ≤ date (ties: latest published), unless it had ended by then. */
export async function versionInForce(q: Queryable, list: string, date: string): Promise<VersionRow | null> {
  const r = await q.query<VersionRow>(
    `SELECT id, ${VERSION_COLUMNS} FROM code_list_versions
      WHERE list_code = $1 AND effective_from <= $2
      ORDER BY effective_from DESC, version_no DESC LIMIT 1`,
    [list, date],
  );
  const v = r.rows[0];
  return v && (v.effective_to === null || v.effective_to > date) ? v : null;
}

export async function latestVersion(q: Queryable, list: string): Promise<VersionRow | null> {
  const r = await q.query<VersionRow>(`SELECT id, ${VERSION_COLUMNS} FROM code_list_versions WHERE list_code = $1 ORDER BY version_no DESC LIMIT 1`, [list]);
  return r.rows[0] ?? null;
}

export async function allItems(q: Queryable, versionId: string): Promise<CodeItem[]> {
  const r = await q.query<CodeItem>('SELECT code, name_vi, name_en, parent_code, attributes FROM code_list_items WHERE version_id = $1 ORDER BY code', [
    versionId,
  ]);
  return r.rows;
}

/** SHA-256 over the items in code order: two versions with the same content have the same checksum. */
function itemsChecksum(items: CodeItem[]): string {
  const sorted = [...items]
    .sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0))
    .map((i) => ({ code: i.code, name_vi: i.name_vi, name_en: i.name_en ?? null, parent_code: i.parent_code ?? null, attributes: i.attributes ?? {} }));
  return crypto.createHash('sha256').update(canonicalJson(sorted)).digest('hex');
}

/** Inserts a version and all its items in two statements (thousands of communes in one round trip). */
export async function insertVersion(tx: Queryable, list: string, input: PublishInput, items: CodeItem[], actor: string, now: Date): Promise<VersionRow> {
  const latest = await latestVersion(tx, list);
  const id = newId();
  await tx.query(
    `INSERT INTO code_list_versions (id, list_code, version_no, effective_from, effective_to, legal_basis, note, item_count, checksum, published_by, published_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [
      id,
      list,
      (latest?.version_no ?? 0) + 1,
      input.effective_from,
      input.effective_to ?? null,
      input.legal_basis ?? null,
      input.note ?? null,
      items.length,
      itemsChecksum(items),
      actor,
      now,
    ],
  );
  const rows = items.map((i) => ({ ...i, search_text: foldVietnamese(`${i.code} ${i.name_vi} ${i.name_en ?? ''}`) }));
  await tx.query(
    `INSERT INTO code_list_items (version_id, code, name_vi, name_en, parent_code, attributes, search_text)
     SELECT $1, x.code, x.name_vi, x.name_en, x.parent_code, COALESCE(x.attributes, '{}'::jsonb), x.search_text
       FROM jsonb_to_recordset($2::jsonb) AS x(code text, name_vi text, name_en text, parent_code text, attributes jsonb, search_text text)`,
    [id, JSON.stringify(rows)],
  );
  return (await tx.query<VersionRow>(`SELECT id, ${VERSION_COLUMNS} FROM code_list_versions WHERE id = $1`, [id])).rows[0]!;
}
