import { Problem, PROBLEMS, conflict, forbidden, invalid, notFound, staleVersion } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import { escapeLike, foldVietnamese, nfc } from '../core/text.ts';
import type { Clock } from '../core/clock.ts';
import type { Database, Queryable } from '../db/database.ts';
import { historyOf, recordChange } from '../db/history.ts';
import { type Page, Where, updateVersioned } from '../db/rows.ts';
import type { AgencyService } from '../registry/index.ts';
import { type Principal, administers, hasRole } from '../registry/index.ts';
import type { DictionaryService } from './dictionary.ts';
import type { Dataset, DatasetFilter, DatasetInput, DatasetPatch, Domain, SharingSpec } from './types.ts';

const COLUMNS = `code, name_vi, name_en, description_vi, description_en, domain_code, custodian_code, custodian_text,
  audience, classification, personal_data, auth_required, sharing_spec, mode, status, legal_basis, last_reviewed_on,
  version, created_at, updated_at`;

function searchText(d: Pick<Dataset, 'code' | 'name_vi' | 'name_en'> & { description_vi?: string | null | undefined }): string {
  return foldVietnamese([d.code, d.name_vi, d.name_en, d.description_vi ?? ''].join(' '));
}

/** Field names must be unique (the rest is checked against the dictionary by `DictionaryService.checkSpec`). */
function checkSharingSpec(spec: SharingSpec): void {
  const seen = new Set<string>();
  spec.fields.forEach((f, i) => {
    if (seen.has(f.name)) throw invalid(`/sharing_spec/fields/${i}/name`, `Trường "${f.name}" bị trùng.`, `Field "${f.name}" is duplicated.`);
    seen.add(f.name);
  });
}

function normalise<T extends DatasetPatch>(d: T): T {
  const out: DatasetPatch = { ...d };
  if (d.name_vi !== undefined) out.name_vi = nfc(d.name_vi);
  if (d.description_vi) out.description_vi = nfc(d.description_vi);
  if (d.custodian_text) out.custodian_text = nfc(d.custodian_text);
  if (d.sharing_spec)
    out.sharing_spec = { ...d.sharing_spec, fields: d.sharing_spec.fields.map((f) => (f.label_vi ? { ...f, label_vi: nfc(f.label_vi) } : f)) };
  return out as T;
}

/** allows datasets "without authentication" only for open data: normal classification and no personal data. */
function checkOpenAccess(d: { auth_required?: boolean | undefined; classification: Dataset['classification']; personal_data: boolean }): void {
  if (d.auth_required === false && (d.classification !== 'normal' || d.personal_data)) {
    throw new Problem(PROBLEMS.unprocessable, {
      rule: 'R-14.1',
      detail: 'Chỉ dữ liệu mức "thường", không có dữ liệu cá nhân, mới được khai thác không cần xác thực.',
      detail_en: 'Only normal data without personal data may be read without authentication.',
    });
  }
}

function denyCustodian(): Problem {
  // the custodian decides what of its datasets is shared.
  return forbidden(
    'Chỉ cơ quan chủ quản dữ liệu (hoặc Văn phòng Trung ương Đảng) được sửa bộ dữ liệu này.',
    "Only the dataset's custodian (or the coordinator) may change this dataset.",
    'R-8.2',
  );
}

export function createDatasetService(db: Database, clock: Clock, agencies: AgencyService, dictionary: DictionaryService) {
  async function get(code: string, q: Queryable = db): Promise<Dataset> {
    const r = await q.query<Dataset>(`SELECT ${COLUMNS} FROM datasets WHERE code = $1`, [code]);
    if (!r.rows[0]) throw notFound('bộ dữ liệu', 'dataset', code);
    return r.rows[0];
  }

  async function checkRefs(tx: Queryable, d: { domain_code?: string | undefined; custodian_code?: string | undefined }): Promise<void> {
    if (d.domain_code !== undefined && (await tx.query('SELECT 1 FROM domains WHERE code = $1', [d.domain_code])).rows.length === 0) {
      throw new Problem(PROBLEMS.unprocessable, {
        detail: `Nhóm lĩnh vực "${d.domain_code}" không tồn tại.`,
        detail_en: `Domain "${d.domain_code}" does not exist.`,
      });
    }
    if (d.custodian_code !== undefined) await agencies.requireExisting(d.custodian_code, tx, 'R-4.1');
  }

  return {
    get,

    async domains(): Promise<Domain[]> {
      const r = await db.query<Domain>(
        `SELECT d.code, d.number, d.name_vi, d.name_en, d.source,
                (SELECT count(*)::int FROM datasets s WHERE s.domain_code = d.code) AS dataset_count
           FROM domains d ORDER BY d.number NULLS LAST, d.code`,
      );
      return r.rows;
    },

    async list(f: DatasetFilter): Promise<Page<Dataset>> {
      const w = new Where()
        .addIf(f.domain !== undefined, 'domain_code = ?', f.domain)
        .addIf(f.custodian !== undefined, 'custodian_code = ?', f.custodian)
        .addIf(f.classification !== undefined, 'classification = ?', f.classification)
        .addIf(f.status !== undefined, 'status = ?', f.status)
        .addIf(f.audience !== undefined, 'audience = ?', f.audience)
        .addIf(!!f.q, "search_text LIKE ? ESCAPE '\\'", `%${escapeLike(foldVietnamese(f.q ?? ''))}%`);
      const total = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM datasets ${w}`, w.params);
      const rows = await db.query<Dataset>(
        `SELECT ${COLUMNS} FROM datasets ${w} ORDER BY domain_code, code LIMIT ${w.next(f.limit)} OFFSET ${w.next(f.offset)}`,
        w.params,
      );
      return { items: rows.rows, total: total.rows[0]!.n, limit: f.limit, offset: f.offset };
    },

    async create(p: Principal, input: DatasetInput): Promise<Dataset> {
      if (!administers(p, input.custodian_code, 'custodian_admin')) throw denyCustodian();
      checkSharingSpec(input.sharing_spec);
      checkOpenAccess(input);
      const d = normalise(input);
      return db.transaction(async (tx) => {
        await checkRefs(tx, d);
        await dictionary.checkSpec(tx, d.sharing_spec);
        if (!(await insertDataset(tx, d, clock.now()))) throw conflict(`Mã bộ dữ liệu "${d.code}" đã tồn tại.`, `Dataset code "${d.code}" already exists.`);
        const created = await get(d.code, tx);
        await recordChange(tx, { entity: 'dataset', key: d.code, action: 'create', actor: p.username, after: created, at: clock.now() });
        return created;
      });
    },

    async update(p: Principal, code: string, patch: DatasetPatch, expectedVersion?: number): Promise<Dataset> {
      if (patch.sharing_spec) checkSharingSpec(patch.sharing_spec);
      const clean = normalise(patch);
      return db.transaction(async (tx) => {
        const current = await get(code, tx);
        if (!administers(p, current.custodian_code, 'custodian_admin')) throw denyCustodian();
        // Re-assigning a dataset to another custodian is the coordinator's decision, not the custodian's.
        if (clean.custodian_code !== undefined && clean.custodian_code !== current.custodian_code && !hasRole(p, 'coordinator')) throw denyCustodian();
        checkOpenAccess({ ...current, ...clean });
        await checkRefs(tx, clean);
        if (clean.sharing_spec) await dictionary.checkSpec(tx, clean.sharing_spec);
        const row: Record<string, unknown> = { ...clean, search_text: searchText({ ...current, ...clean }) };
        if (clean.sharing_spec) row.sharing_spec = JSON.stringify(clean.sharing_spec);
        const out = await updateVersioned<Dataset>(tx, { table: 'datasets', keyColumn: 'code', key: code, patch: row, expectedVersion, now: clock.now() });
        if (out.status === 'missing') throw notFound('bộ dữ liệu', 'dataset', code);
        if (out.status === 'stale') throw staleVersion(out.current.version);
        await recordChange(tx, { entity: 'dataset', key: code, action: 'update', actor: p.username, before: out.before, after: out.after, at: clock.now() });
        return get(code, tx);
      });
    },

    async history(code: string) {
      await get(code);
      return historyOf(db, 'dataset', code);
    },
  };
}

export type DatasetService = ReturnType<typeof createDatasetService>;

/** Shared by the API and the seed; returns false when the code is taken. */
export async function insertDataset(tx: Queryable, d: DatasetInput, now: Date): Promise<boolean> {
  const r = await tx.query(
    `INSERT INTO datasets (id, code, name_vi, name_en, description_vi, description_en, domain_code, custodian_code,
       custodian_text, audience, classification, personal_data, auth_required, sharing_spec, mode, status, legal_basis,
       last_reviewed_on, search_text, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $20)
     ON CONFLICT (code) DO NOTHING`,
    [
      newId(),
      d.code,
      d.name_vi,
      d.name_en,
      d.description_vi ?? null,
      d.description_en ?? null,
      d.domain_code,
      d.custodian_code,
      d.custodian_text ?? null,
      d.audience ?? 'political_system',
      d.classification,
      d.personal_data,
      d.auth_required ?? true,
      JSON.stringify(d.sharing_spec),
      d.mode ?? 'hosted',
      d.status ?? 'draft',
      d.legal_basis ?? null,
      d.last_reviewed_on ?? null,
      searchText(d),
      now,
    ],
  );
  return r.rowCount > 0;
}
