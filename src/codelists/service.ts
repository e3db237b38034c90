import { Problem, PROBLEMS, conflict, invalid, notFound, type FieldViolation, staleVersion } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import { escapeLike, foldVietnamese, nfc } from '../core/text.ts';
import { VIETNAM_TODAY, formatIsoDate, isIsoDate, vietnamDate } from '../core/time.ts';
import type { Clock } from '../core/clock.ts';
import type { Database, Queryable } from '../db/database.ts';
import { historyOf, recordChange } from '../db/history.ts';
import { type Page, Where, updateVersioned } from '../db/rows.ts';
import { type Principal, requireCoordinator } from '../registry/index.ts';
import { diffItems } from './diff.ts';
import { parseItems, serializeItems } from './formats.ts';
import { VERSION_COLUMNS, type VersionRow, allItems, insertVersion, latestVersion, versionInForce } from './store.ts';
import type { CodeItem, CodeList, CodeListDiff, CodeListInput, CodeListPatch, CodeListVersion, ImportFormat, PublishInput } from './types.ts';

const LIST_COLUMNS = 'code, name_vi, name_en, issuer, legal_basis, source_note, status, version, created_at, updated_at';

export interface ImportPreview {
  id: string;
  list_code: string;
  format: ImportFormat;
  status: 'pending' | 'published' | 'discarded';
  item_count: number;
  diff: CodeListDiff;
  created_by: string;
  created_at: Date;
}

/** Parents must exist in the same version (a commune's province is in the list it belongs to). */
function checkItems(items: CodeItem[]): void {
  const codes = new Set(items.map((i) => i.code));
  const errors: FieldViolation[] = [];
  items.forEach((i, n) => {
    if (i.parent_code !== null && !codes.has(i.parent_code)) {
      errors.push({
        path: `/items/${n}/parent_code`,
        message: `Mã cha "${i.parent_code}" không có trong danh mục.`,
        message_en: `Parent code "${i.parent_code}" is not in the list.`,
      });
    }
  });
  if (errors.length) throw new Problem(PROBLEMS.validation, { errors: errors.slice(0, 200) });
}

function checkDates(input: PublishInput, latest: VersionRow | null, today: string): void {
  if (!isIsoDate(input.effective_from)) throw invalid('/effective_from', 'Ngày hiệu lực không hợp lệ (YYYY-MM-DD).', 'Invalid effective date (YYYY-MM-DD).');
  if (input.effective_to && (!isIsoDate(input.effective_to) || input.effective_to <= input.effective_from)) {
    throw invalid('/effective_to', 'Ngày hết hiệu lực phải sau ngày hiệu lực.', 'The end date must be after the effective date.');
  }
  // History is not rewritten: once a list has a version, a new one takes effect after the latest
  // one and not before today (the Viet Nam date), so no lookup for a past date ever changes its answer.
  if (latest) {
    const earliest = latest.effective_from >= today ? nextDay(latest.effective_from) : today;
    if (input.effective_from < earliest) {
      throw new Problem(PROBLEMS.unprocessable, {
        detail: `Phiên bản mới phải có hiệu lực từ ngày ${formatIsoDate(earliest)} trở đi (không sửa quá khứ; ${VIETNAM_TODAY.vi(today)}).`,
        detail_en: `A new version must take effect on or after ${earliest} (the past is not rewritten; ${VIETNAM_TODAY.en(today)}).`,
        extra: { earliest_effective_from: earliest, today },
      });
    }
  }
}

const nextDay = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

export function createCodeListService(db: Database, clock: Clock) {
  const today = () => vietnamDate(clock.now());
  /** Versions never change, so their item maps are cached for the life of the process. */
  const itemCache = new Map<string, Promise<Map<string, CodeItem>>>();

  async function get(code: string, q: Queryable = db): Promise<CodeList> {
    const r = await q.query<CodeList>(`SELECT ${LIST_COLUMNS} FROM code_lists WHERE code = $1`, [code]);
    if (!r.rows[0]) throw notFound('danh mục', 'code list', code);
    return r.rows[0];
  }

  async function inForce(code: string, on: string): Promise<VersionRow> {
    await get(code);
    const v = await versionInForce(db, code, on);
    if (!v)
      throw new Problem(PROBLEMS.notFound, {
        detail: `Danh mục "${code}" không có phiên bản hiệu lực ngày ${formatIsoDate(on)} (lịch Việt Nam).`,
        detail_en: `Code list "${code}" has no version in force on ${on} (Viet Nam date).`,
      });
    return v;
  }

  async function publish(p: Principal, code: string, input: PublishInput, items: CodeItem[], tx: Queryable): Promise<VersionRow> {
    const latest = await latestVersion(tx, code);
    checkDates(input, latest, today());
    checkItems(items);
    const version = await insertVersion(tx, code, input, items, p.username, clock.now());
    await recordChange(tx, {
      entity: 'code_list',
      key: code,
      action: 'publish_version',
      actor: p.username,
      after: { version_no: version.version_no, effective_from: version.effective_from, item_count: version.item_count },
      at: clock.now(),
    });
    return version;
  }

  const strip = ({ id: _id, ...v }: VersionRow): CodeListVersion => v;

  /** The diff is always against the latest version: that is the one a new version follows. */
  async function against(code: string, format: ImportFormat, body: unknown) {
    const items = await parseItems(format, body);
    checkItems(items);
    const base = await latestVersion(db, code);
    return { items, base, diff: diffItems(base ? await allItems(db, base.id) : [], items, base?.version_no ?? null) };
  }

  return {
    get,
    today,
    exists: async (code: string, q: Queryable = db): Promise<boolean> => (await q.query('SELECT 1 FROM code_lists WHERE code = $1', [code])).rows.length > 0,

    async list(f: { q?: string | undefined; limit: number; offset: number }): Promise<Page<CodeList & { current_version: CodeListVersion | null }>> {
      const w = new Where().addIf(!!f.q, "search_text LIKE ? ESCAPE '\\'", `%${escapeLike(foldVietnamese(f.q ?? ''))}%`);
      const total = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM code_lists ${w}`, w.params);
      const rows = await db.query<CodeList>(
        `SELECT ${LIST_COLUMNS} FROM code_lists ${w} ORDER BY code LIMIT ${w.next(f.limit)} OFFSET ${w.next(f.offset)}`,
        w.params,
      );
      const items = await Promise.all(
        rows.rows.map(async (l) => {
          const v = await versionInForce(db, l.code, today());
          return { ...l, current_version: v ? strip(v) : null };
        }),
      );
      return { items, total: total.rows[0]!.n, limit: f.limit, offset: f.offset };
    },

    async create(p: Principal, input: CodeListInput): Promise<CodeList> {
      requireCoordinator(p, 'ban hành danh mục dùng chung', 'issue shared code lists');
      return db.transaction(async (tx) => {
        if (!(await insertList(tx, input, clock.now()))) throw conflict(`Mã danh mục "${input.code}" đã tồn tại.`, `Code list "${input.code}" already exists.`);
        await recordChange(tx, { entity: 'code_list', key: input.code, action: 'create', actor: p.username, after: input, at: clock.now() });
        return get(input.code, tx);
      });
    },

    /** Name, issuer, legal basis and source note; the code stays (datasets and the dictionary bind it) and items change only by a new version. */
    async update(p: Principal, code: string, patch: CodeListPatch, expectedVersion?: number): Promise<CodeList> {
      requireCoordinator(p, 'sửa danh mục dùng chung', 'edit shared code lists');
      return db.transaction(async (tx) => {
        const current = await get(code, tx);
        const merged = { ...current, ...patch };
        const row: Record<string, unknown> = { ...patch, search_text: foldVietnamese(`${code} ${merged.name_vi} ${merged.name_en}`) };
        for (const k of ['name_vi', 'issuer', 'legal_basis'] as const) if (patch[k] !== undefined) row[k] = nfc(patch[k]);
        const out = await updateVersioned<CodeList>(tx, { table: 'code_lists', keyColumn: 'code', key: code, patch: row, expectedVersion, now: clock.now() });
        if (out.status === 'stale') throw staleVersion(out.current.version);
        if (out.status === 'missing') throw notFound('danh mục', 'code list', code);
        await recordChange(tx, { entity: 'code_list', key: code, action: 'update', actor: p.username, before: out.before, after: out.after, at: clock.now() });
        return get(code, tx);
      });
    },

    async versions(code: string): Promise<CodeListVersion[]> {
      await get(code);
      const r = await db.query<CodeListVersion>(`SELECT ${VERSION_COLUMNS} FROM code_list_versions WHERE list_code = $1 ORDER BY version_no`, [code]);
      return r.rows;
    },

    versionInForce: inForce,

    /** Publishes items given directly (JSON API); use imports for files and a diff first. */
    async publishVersion(p: Principal, code: string, input: PublishInput, items: CodeItem[]): Promise<CodeListVersion> {
      requireCoordinator(p, 'ban hành danh mục dùng chung', 'issue shared code lists');
      const clean = items.map((i) => ({
        code: i.code,
        name_vi: nfc(i.name_vi),
        name_en: i.name_en ?? null,
        parent_code: i.parent_code ?? null,
        attributes: i.attributes ?? {},
      }));
      const seen = new Set<string>();
      clean.forEach((i, n) => {
        if (seen.has(i.code)) throw invalid(`/items/${n}/code`, `Mã "${i.code}" bị trùng.`, `Code "${i.code}" is duplicated.`);
        seen.add(i.code);
      });
      return strip(
        await db.transaction(async (tx) => {
          await get(code, tx);
          return publish(p, code, input, clean, tx);
        }),
      );
    },

    /** "Code X in list L on date D", answered from the version in force on D. */
    async items(code: string, f: { on?: string | undefined; q?: string | undefined; parent?: string | undefined; limit: number; offset: number }) {
      const on = f.on ?? today();
      const v = await inForce(code, on);
      const w = new Where()
        .add('version_id = ?', v.id)
        .addIf(f.parent !== undefined, 'parent_code = ?', f.parent)
        .addIf(!!f.q, "search_text LIKE ? ESCAPE '\\'", `%${escapeLike(foldVietnamese(f.q ?? ''))}%`);
      const total = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM code_list_items ${w}`, w.params);
      const rows = await db.query<CodeItem>(
        `SELECT code, name_vi, name_en, parent_code, attributes FROM code_list_items ${w} ORDER BY code LIMIT ${w.next(f.limit)} OFFSET ${w.next(f.offset)}`,
        w.params,
      );
      return { on, version: strip(v), items: rows.rows, total: total.rows[0]!.n, limit: f.limit, offset: f.offset };
    },

    /** All items of the version in force on `on`, keyed by code; cached per immutable version. */
    async lookup(code: string, on: string): Promise<Map<string, CodeItem> | null> {
      const v = await versionInForce(db, code, on);
      if (!v) return null;
      let cached = itemCache.get(v.id);
      if (!cached) {
        cached = allItems(db, v.id).then((items) => new Map(items.map((i) => [i.code, i])));
        itemCache.set(v.id, cached);
        cached.catch(() => itemCache.delete(v.id));
      }
      return cached;
    },

    /** What a file would change against the latest version; writes nothing (the CLI's `diff`). */
    async diffFile(code: string, format: ImportFormat, body: unknown): Promise<{ item_count: number; diff: CodeListDiff }> {
      await get(code);
      const { items, diff } = await against(code, format, body);
      return { item_count: items.length, diff };
    },

    /** Parses a file, diffs it against the latest version and keeps it pending until confirmed. */
    async previewImport(p: Principal, code: string, format: ImportFormat, body: unknown): Promise<ImportPreview> {
      requireCoordinator(p, 'ban hành danh mục dùng chung', 'issue shared code lists');
      await get(code);
      const { items, base, diff } = await against(code, format, body);
      const id = newId();
      await db.query(
        `INSERT INTO code_list_imports (id, list_code, base_version_id, format, items, diff, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [id, code, base?.id ?? null, format, JSON.stringify(items), JSON.stringify(diff), p.username, clock.now()],
      );
      return { id, list_code: code, format, status: 'pending', item_count: items.length, diff, created_by: p.username, created_at: clock.now() };
    },

    async getImport(code: string, id: string): Promise<ImportPreview> {
      const r = await db.query<ImportPreview & { items: CodeItem[] }>(
        `SELECT id, list_code, format, status, jsonb_array_length(items) AS item_count, diff, created_by, created_at FROM code_list_imports WHERE id::text = $1 AND list_code = $2`,
        [id, code],
      );
      if (!r.rows[0]) throw notFound('lần nhập', 'import', id);
      return r.rows[0];
    },

    /** The confirmation step: only now does the import become a published version. */
    async confirmImport(p: Principal, code: string, id: string, input: PublishInput): Promise<CodeListVersion> {
      requireCoordinator(p, 'ban hành danh mục dùng chung', 'issue shared code lists');
      return strip(
        await db.transaction(async (tx) => {
          const r = await tx.query<{ status: string; items: CodeItem[]; base_version_id: string | null }>(
            'SELECT status, items, base_version_id FROM code_list_imports WHERE id::text = $1 AND list_code = $2 FOR UPDATE',
            [id, code],
          );
          const imp = r.rows[0];
          if (!imp) throw notFound('lần nhập', 'import', id);
          if (imp.status !== 'pending') throw conflict(`Lần nhập này đã ở trạng thái "${imp.status}".`, `This import is already "${imp.status}".`);
          // The diff that was confirmed must still be the truth: no version may have appeared since.
          if (((await latestVersion(tx, code))?.id ?? null) !== imp.base_version_id) {
            throw conflict(
              'Đã có phiên bản mới hơn từ khi nhập tệp; hãy nhập lại để xem khác biệt mới.',
              'A newer version was published since this import; import again to see the new diff.',
            );
          }
          const version = await publish(p, code, input, imp.items, tx);
          await tx.query("UPDATE code_list_imports SET status = 'published', decided_at = $2, version_id = $3 WHERE id::text = $1", [
            id,
            clock.now(),
            version.id,
          ]);
          return version;
        }),
      );
    },

    async discardImport(p: Principal, code: string, id: string): Promise<void> {
      requireCoordinator(p, 'ban hành danh mục dùng chung', 'issue shared code lists');
      const r = await db.query(
        "UPDATE code_list_imports SET status = 'discarded', decided_at = $3 WHERE id::text = $1 AND list_code = $2 AND status = 'pending'",
        [id, code, clock.now()],
      );
      if (r.rowCount === 0) throw notFound('lần nhập đang chờ', 'pending import', id);
    },

    async export(code: string, format: ImportFormat, on?: string): Promise<{ body: Buffer; version: CodeListVersion; on: string }> {
      const date = on ?? today();
      const v = await inForce(code, date);
      const list = await get(code);
      return { body: await serializeItems(format, await allItems(db, v.id), list.name_vi), version: strip(v), on: date };
    },

    history: (code: string) => historyOf(db, 'code_list', code),
  };
}

export async function insertList(tx: Queryable, l: CodeListInput, now: Date): Promise<boolean> {
  const r = await tx.query(
    `INSERT INTO code_lists (id, code, name_vi, name_en, issuer, legal_basis, source_note, search_text, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) ON CONFLICT (code) DO NOTHING`,
    [
      newId(),
      l.code,
      nfc(l.name_vi),
      l.name_en,
      nfc(l.issuer),
      nfc(l.legal_basis),
      l.source_note ?? null,
      foldVietnamese(`${l.code} ${l.name_vi} ${l.name_en}`),
      now,
    ],
  );
  return r.rowCount > 0;
}
