import { Problem, PROBLEMS, conflict, invalid, notFound, type FieldViolation, staleVersion } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import { escapeLike, foldVietnamese, nfc } from '../core/text.ts';
import type { Clock } from '../core/clock.ts';
import type { Database, Queryable } from '../db/database.ts';
import { historyOf, recordChange } from '../db/history.ts';
import { type Page, Where, updateVersioned } from '../db/rows.ts';
import { type Principal, requireCoordinator } from '../registry/index.ts';
import type { CodeLists } from '../codelists/index.ts';
import type { DictionaryEntry, DictionaryInput, ResolvedField, SharedField, SharingSpec } from './types.ts';

const COLUMNS = `name, label_vi, label_en, description_vi, description_en, type, format, max_length, personal, code_list,
  code_list_level, parent_field, status, version, created_at, updated_at`;

function checkEntry(e: Partial<DictionaryInput>): void {
  if (e.type !== undefined && (e.type === 'code') !== Boolean(e.code_list)) {
    throw invalid(
      '/code_list',
      'Trường kiểu "code" phải gắn một danh mục, và chỉ trường kiểu "code".',
      'A field of type "code" binds a code list, and only such a field.',
    );
  }
}

/**
 * The dictionary gives a shared field its type, format, code-list binding and
 * personal-data category; a dataset may rename the field, set whether it is
 * required and relabel it, but not change what the value is.
 */
function resolveField(f: SharedField, entry: DictionaryEntry | undefined): ResolvedField {
  const base = entry
    ? {
        type: entry.type,
        format: entry.format,
        max_length: entry.max_length,
        code_list: entry.code_list,
        code_list_level: entry.code_list_level,
        parent_field: entry.parent_field,
        personal: entry.personal,
        label_vi: entry.label_vi,
        label_en: entry.label_en,
      }
    : {
        type: f.type!,
        format: f.format ?? null,
        max_length: f.max_length ?? null,
        code_list: f.code_list ?? null,
        code_list_level: f.code_list_level ?? null,
        parent_field: f.parent_field ?? null,
        personal: f.personal!,
        label_vi: f.label_vi!,
        label_en: f.label_en!,
      };
  return {
    ...base,
    name: f.name,
    source: entry ? 'dictionary' : 'dataset',
    dictionary: entry?.name ?? null,
    required: f.required,
    label_vi: f.label_vi ?? base.label_vi,
    label_en: f.label_en ?? base.label_en,
    personal: f.personal ?? base.personal,
    mask: f.mask ?? null,
  };
}

/** What a value *is* — changing it would silently change every dataset using the entry, and their stored records. */
const IMMUTABLE = ['type', 'format', 'code_list', 'code_list_level', 'parent_field'] as const;

/** A field's `parent_field` names a dictionary entry; in a dataset it is the field that uses that entry (or bears that name). */
function linkParents(fields: ResolvedField[]): ResolvedField[] {
  return fields.map((f) => {
    if (!f.parent_field) return f;
    const parent = fields.find((g) => g.dictionary === f.parent_field) ?? fields.find((g) => g.name === f.parent_field);
    return { ...f, parent_field: parent?.name ?? null };
  });
}

export function createDictionaryService(db: Database, clock: Clock, codeLists: CodeLists) {
  async function get(name: string, q: Queryable = db): Promise<DictionaryEntry> {
    const r = await q.query<DictionaryEntry>(`SELECT ${COLUMNS} FROM dictionary_entries WHERE name = $1`, [name]);
    if (!r.rows[0]) throw notFound('mục từ điển', 'dictionary entry', name);
    return r.rows[0];
  }

  async function entries(names: string[], q: Queryable = db): Promise<Map<string, DictionaryEntry>> {
    if (names.length === 0) return new Map();
    const r = await q.query<DictionaryEntry>(`SELECT ${COLUMNS} FROM dictionary_entries WHERE name = ANY($1)`, [names]);
    return new Map(r.rows.map((e) => [e.name, e]));
  }

  async function requireCodeList(q: Queryable, code: string | null | undefined, path: string): Promise<void> {
    if (code && !(await codeLists.exists(code, q))) {
      throw new Problem(PROBLEMS.unprocessable, {
        detail: `Danh mục "${code}" không tồn tại.`,
        detail_en: `Code list "${code}" does not exist.`,
        errors: [{ path, message: 'Danh mục không tồn tại.', message_en: 'No such code list.' }],
        rule: 'R-3.4',
      });
    }
  }

  return {
    get,
    entries,

    async list(f: { q?: string | undefined; personal?: string | undefined; limit: number; offset: number }): Promise<Page<DictionaryEntry>> {
      const w = new Where()
        .addIf(f.personal !== undefined, 'personal = ?', f.personal)
        .addIf(!!f.q, "search_text LIKE ? ESCAPE '\\'", `%${escapeLike(foldVietnamese(f.q ?? ''))}%`);
      const total = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM dictionary_entries ${w}`, w.params);
      const rows = await db.query<DictionaryEntry>(
        `SELECT ${COLUMNS} FROM dictionary_entries ${w} ORDER BY name LIMIT ${w.next(f.limit)} OFFSET ${w.next(f.offset)}`,
        w.params,
      );
      return { items: rows.rows, total: total.rows[0]!.n, limit: f.limit, offset: f.offset };
    },

    async create(p: Principal, input: DictionaryInput): Promise<DictionaryEntry> {
      requireCoordinator(p, 'sửa từ điển dữ liệu', 'edit the data dictionary');
      checkEntry(input);
      return db.transaction(async (tx) => {
        await requireCodeList(tx, input.code_list, '/code_list');
        if (!(await insertEntry(tx, input, clock.now()))) throw conflict(`Mục "${input.name}" đã có trong từ điển.`, `Entry "${input.name}" already exists.`);
        const created = await get(input.name, tx);
        await recordChange(tx, { entity: 'dictionary', key: input.name, action: 'create', actor: p.username, after: created, at: clock.now() });
        return created;
      });
    },

    async update(
      p: Principal,
      name: string,
      patch: Partial<Omit<DictionaryInput, 'name'>> & { status?: 'active' | 'retired' },
      expectedVersion?: number,
    ): Promise<DictionaryEntry> {
      requireCoordinator(p, 'sửa từ điển dữ liệu', 'edit the data dictionary');
      const changed = IMMUTABLE.filter((k) => patch[k] !== undefined);
      if (changed.length) {
        throw new Problem(PROBLEMS.unprocessable, {
          detail: `Không sửa được ${changed.join(', ')} của một mục đã ban hành: hãy tạo mục mới và chuyển các bộ dữ liệu sang.`,
          detail_en: `${changed.join(', ')} of an issued entry cannot change: create a new entry and move datasets to it.`,
        });
      }
      return db.transaction(async (tx) => {
        const current = await get(name, tx);
        const merged = { ...current, ...patch };
        checkEntry(merged);
        await requireCodeList(tx, patch.code_list, '/code_list');
        const row: Record<string, unknown> = { ...patch, search_text: foldVietnamese(`${name} ${merged.label_vi} ${merged.label_en}`) };
        if (patch.label_vi) row.label_vi = nfc(patch.label_vi);
        const out = await updateVersioned<DictionaryEntry>(tx, {
          table: 'dictionary_entries',
          keyColumn: 'name',
          key: name,
          patch: row,
          expectedVersion,
          now: clock.now(),
        });
        if (out.status === 'stale') throw staleVersion(out.current.version);
        if (out.status === 'missing') throw notFound('mục từ điển', 'dictionary entry', name);
        await recordChange(tx, { entity: 'dictionary', key: name, action: 'update', actor: p.username, before: out.before, after: out.after, at: clock.now() });
        return get(name, tx);
      });
    },

    /** Checks a sharing spec's fields: dictionary references exist, own definitions are complete, code lists exist. */
    async checkSpec(q: Queryable, spec: SharingSpec): Promise<void> {
      const dict = await entries(
        spec.fields.flatMap((f) => (f.dictionary ? [f.dictionary] : [])),
        q,
      );
      const errors: FieldViolation[] = [];
      const names = new Set(spec.fields.map((f) => f.name));
      for (const [i, f] of spec.fields.entries()) {
        const at = `/sharing_spec/fields/${i}`;
        if (f.dictionary && !dict.has(f.dictionary))
          errors.push({ path: `${at}/dictionary`, message: `Từ điển không có mục "${f.dictionary}".`, message_en: `No dictionary entry "${f.dictionary}".` });
        if (f.dictionary && dict.get(f.dictionary)?.status === 'retired')
          errors.push({ path: `${at}/dictionary`, message: `Mục "${f.dictionary}" đã ngừng sử dụng.`, message_en: `Entry "${f.dictionary}" is retired.` });
        if (!f.dictionary) {
          for (const k of ['type', 'label_vi', 'label_en', 'personal'] as const) {
            if (f[k] === undefined)
              errors.push({
                path: `${at}/${k}`,
                message: `Thiếu "${k}" (hoặc tham chiếu "dictionary").`,
                message_en: `Missing "${k}" (or a "dictionary" reference).`,
              });
          }
          if (f.type !== undefined && (f.type === 'code') !== Boolean(f.code_list))
            errors.push({
              path: `${at}/code_list`,
              message: 'Trường kiểu "code" phải gắn một danh mục, và chỉ trường kiểu "code".',
              message_en: 'A field of type "code" binds a code list, and only such a field.',
            });
          if (f.code_list) await requireCodeList(q, f.code_list, `${at}/code_list`);
        }
      }
      if (spec.effective_date_field && !names.has(spec.effective_date_field)) {
        errors.push({
          path: '/sharing_spec/effective_date_field',
          message: 'Trường ngày hiệu lực không có trong danh sách trường.',
          message_en: 'The effective-date field is not one of the fields.',
        });
      }
      if (errors.length) throw new Problem(PROBLEMS.validation, { errors });
    },

    async resolve(spec: SharingSpec): Promise<ResolvedField[]> {
      const dict = await entries(spec.fields.flatMap((f) => (f.dictionary ? [f.dictionary] : [])));
      return linkParents(spec.fields.map((f) => resolveField(f, f.dictionary ? dict.get(f.dictionary) : undefined)));
    },

    history: (name: string) => historyOf(db, 'dictionary', name),
  };
}

export type DictionaryService = ReturnType<typeof createDictionaryService>;

export async function insertEntry(tx: Queryable, e: DictionaryInput, now: Date): Promise<boolean> {
  const r = await tx.query(
    `INSERT INTO dictionary_entries (id, name, label_vi, label_en, description_vi, description_en, type, format, max_length, personal,
       code_list, code_list_level, parent_field, search_text, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) ON CONFLICT (name) DO NOTHING`,
    [
      newId(),
      e.name,
      nfc(e.label_vi),
      e.label_en,
      e.description_vi ?? null,
      e.description_en ?? null,
      e.type,
      e.format ?? null,
      e.max_length ?? null,
      e.personal,
      e.code_list ?? null,
      e.code_list_level ?? null,
      e.parent_field ?? null,
      foldVietnamese(`${e.name} ${e.label_vi} ${e.label_en}`),
      now,
    ],
  );
  return r.rowCount > 0;
}
