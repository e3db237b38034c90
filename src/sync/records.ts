import crypto from 'node:crypto';
import { canonicalJson } from '../core/canonical.ts';
import { Problem, PROBLEMS, conflict, forbidden, notFound, type FieldViolation } from '../core/errors.ts';
import type { Clock } from '../core/clock.ts';
import { type Database, PG_UNIQUE_VIOLATION, type Queryable, pgErrorCode } from '../db/database.ts';
import type { Catalog } from '../catalog/index.ts';
import type { Dataset } from '../catalog/index.ts';
import type { Principal } from '../registry/index.ts';
import { requireCustodian } from './access.ts';
import { Where } from '../db/rows.ts';
import { SEALED_HASH, type Sealing, isSealedClass } from './sealing.ts';
import type { ProducerService } from './producers.ts';
import { outOfScope, scopeViolations } from './scope.ts';
import type { ChangeNotifier } from './notifier.ts';

/** One write of a batch: a record's new content, or its deletion (a tombstone; history is kept). */
export type RecordWrite = { key: string; data: Record<string, unknown>; delete?: undefined } | { key: string; delete: true; data?: undefined };

export interface StoredRecord {
  key: string;
  version: number;
  data: Record<string, unknown> | null;
  deleted: boolean;
  written_at: Date;
}

/** A record by its dataset and key. */
export interface LiveKey {
  dataset: string;
  key: string;
}

/** A live record as the gateway's batched read returns it; `error` when its sealed content did not open. */
export type LiveRow = StoredRecord & LiveKey & { error?: unknown };

export interface RecordVersion extends StoredRecord {
  content_hash: string;
  written_by: string;
  /** R-4.1: the agency that produced this version — the custodian, or a producer it authorised. */
  producer_agency_code: string;
}

/** Who a write comes from when it is not the custodian: a producer agency's system (producers.ts). */
export interface Producer {
  agency: string;
  system: string;
}

export const MAX_BATCH = 5000;

export interface WriteResult {
  written: number;
  versions: { key: string; version: number; deleted: boolean }[];
}

/** SHA-256 of the record's RFC 8785 canonical JSON: the same content always hashes the same. */
export function contentHash(data: unknown): string {
  return crypto.createHash('sha256').update(canonicalJson(data)).digest('hex');
}

function refuse(errors: FieldViolation[], detail: string, detail_en: string): Problem {
  return new Problem(PROBLEMS.validation, { detail, detail_en, errors: errors.slice(0, 1000), extra: { violation_count: errors.length } });
}

/** A row as stored: content in clear (`data`) or sealed (R-4.7, R-11: secret and top-secret datasets). */
export type Stored<T> = T & { sealed: Uint8Array | null };

/** Rows with their sealed content opened, the `sealed` column dropped. */
export async function openRows<T extends StoredRecord>(sealing: Sealing, code: string | ((r: T) => string), rows: Stored<T>[]): Promise<T[]> {
  return Promise.all(
    rows.map(async ({ sealed, ...r }) => {
      if (sealed === null) return r as unknown as T;
      const data = await sealing.open(typeof code === 'string' ? code : code(r as unknown as T), r.key, r.version, sealed);
      return { ...r, data } as unknown as T;
    }),
  );
}

export function createRecordService(db: Database, clock: Clock, catalog: Catalog, sealing: Sealing, producers: ProducerService, notifier?: ChangeNotifier) {
  const opened = <T extends StoredRecord>(code: string | ((r: T) => string), rows: Stored<T>[]) => openRows(sealing, code, rows);

  async function hostedDataset(code: string): Promise<Dataset> {
    const d = await catalog.datasets.get(code);
    if (d.mode !== 'hosted') {
      throw new Problem(PROBLEMS.unprocessable, {
        detail: 'Bộ dữ liệu này do cơ quan chủ quản tự phục vụ (proxy), không lưu trên nền tảng.',
        detail_en: 'This dataset is served by its custodian (proxy), not hosted on the platform.',
      });
    }
    if (d.status === 'retired') throw new Problem(PROBLEMS.unprocessable, { detail: 'Bộ dữ liệu đã ngừng sử dụng.', detail_en: 'The dataset is retired.' });
    return d;
  }

  /**
   * Validates the whole batch first; writes all of it or nothing (R-4.7). `writer` is who the
   * versions name: an official's username, or `system:<code>` for a system writing through the
   * gateway (which has checked it is the custodian's, or an authorised `producer`'s).
   */
  async function writeAs<T = WriteResult>(
    writer: string,
    code: string,
    writes: RecordWrite[],
    finish?: (tx: Queryable, result: WriteResult) => Promise<T>,
    producer?: Producer,
  ): Promise<T> {
    const dataset = await hostedDataset(code);
    // R-4.1: the custodian's own writes name the custodian; another agency's are checked against its authorisations.
    const by = producer && producer.agency !== dataset.custodian_code ? producer : null;
    const producerAgency = by?.agency ?? dataset.custodian_code;
    const seen = new Map<string, number>();
    const dupes: FieldViolation[] = [];
    writes.forEach((w, i) => {
      if (seen.has(w.key))
        dupes.push({
          path: `/records/${i}/key`,
          message: `Khoá "${w.key}" lặp lại bản ghi ${seen.get(w.key)}.`,
          message_en: `Key "${w.key}" repeats record ${seen.get(w.key)}.`,
        });
      seen.set(w.key, i);
    });
    if (dupes.length) throw refuse(dupes, 'Một lô không được ghi một khoá hai lần.', 'A batch may not write a key twice.');

    const upserts = writes.flatMap((w, i) => (w.delete ? [] : [{ i, data: w.data }]));
    const result = await catalog.validate(
      code,
      upserts.map((u) => u.data),
    );
    if (result.violations.length) {
      const errors = result.violations.map((v) => ({
        path: `/records/${upserts[v.record]!.i}/data${v.field ? `/${v.field}` : ''}`,
        message: v.message,
        message_en: v.message_en,
      }));
      throw refuse(errors, `${result.invalid} bản ghi không hợp lệ; không có gì được ghi.`, `${result.invalid} invalid record(s); nothing was written.`);
    }

    // R-4.7, R-11: secret content is sealed before it reaches the database. The data key is made
    // (or read) before the transaction, which must not wait on another one.
    const sealIt = isSealedClass(dataset);
    // A producer's scope is checked on current content, which may be sealed: its key is read here too.
    if (sealIt || (by && (await sealing.hasKey(code)))) await sealing.ready(code);
    const now = clock.now();
    let head = 0;
    const committed = await db.transaction(async (tx) => {
      const keys = writes.map((w) => w.key);
      const current = await tx.query<Stored<StoredRecord>>(
        `SELECT record_key AS key, version, deleted, written_at, ${by ? 'data, sealed' : 'NULL::jsonb AS data, NULL::bytea AS sealed'} FROM records WHERE dataset_code = $1 AND record_key = ANY($2) FOR UPDATE`,
        [code, keys],
      );
      const byKey = new Map(current.rows.map((r) => [r.key, r]));
      const missing = writes.flatMap((w, i) =>
        w.delete && (!byKey.has(w.key) || byKey.get(w.key)!.deleted)
          ? [{ path: `/records/${i}/key`, message: `Không có bản ghi "${w.key}" để xoá.`, message_en: `No record "${w.key}" to delete.` }]
          : [],
      );
      if (missing.length) throw refuse(missing, 'Không thể xoá bản ghi không tồn tại.', 'Cannot delete records that do not exist.');
      if (by) await requireInScope(tx, code, by, writes, current.rows);

      const rows = await Promise.all(
        writes.map(async (w) => {
          const version = (byKey.get(w.key)?.version ?? 0) + 1;
          const sealed = sealIt && !w.delete ? (await sealing.seal(code, w.key, version, w.data)).toString('base64') : null;
          return {
            record_key: w.key,
            version,
            data: w.delete || sealed ? null : w.data,
            sealed,
            deleted: Boolean(w.delete),
            content_hash: sealed ? SEALED_HASH : contentHash(w.delete ? null : w.data),
          };
        }),
      );
      try {
        // R-4.3, R-6.1c: the feed positions, taken last so the dataset's feed row stays locked only until the commit.
        const first = await takePositions(tx, code, rows.length);
        head = first + rows.length - 1;
        await insertVersions(
          tx,
          code,
          rows.map((r, i) => ({ ...r, position: first + i })),
          { writer, producer: producerAgency },
          now,
        );
      } catch (err) {
        // Two batches creating the same new key at once: the second loses the primary-key race.
        if (pgErrorCode(err) === PG_UNIQUE_VIOLATION)
          throw conflict('Bản ghi vừa được ghi đồng thời bởi một lô khác; hãy gửi lại.', 'A record was written concurrently by another batch; send again.');
        throw err;
      }
      const result: WriteResult = { written: rows.length, versions: rows.map((r) => ({ key: r.record_key, version: r.version, deleted: r.deleted })) };
      // The gateway logs the exchange here, so a write and its log entry commit together or not at all.
      return finish ? finish(tx, result) : (result as T);
    });
    // Committed: every instance learns the feed has moved (a hint; readers go by position).
    if (head > 0) notifier?.changed(code, head);
    return committed;
  }

  /**
   * R-4.1: a producer's batch is written only when authorisations in force (read again here, in the
   * write's transaction, so a revocation that came first is obeyed) cover every record of it — the
   * new content and, for a replace or delete, the current one, opened when sealed.
   */
  async function requireInScope(tx: Queryable, code: string, by: Producer, writes: RecordWrite[], rows: Stored<StoredRecord>[]): Promise<void> {
    const grants = await producers.inForce(code, by.agency, by.system, tx);
    if (grants.length === 0) throw notAuthorised();
    const live = await opened(
      code,
      rows.filter((r) => !r.deleted),
    );
    const now = new Map(live.map((r) => [r.key, r.data]));
    const errors = scopeViolations(
      grants.map((g) => g.scope),
      writes.map((w, index) => ({ index, key: w.key, next: w.delete ? null : w.data, current: now.get(w.key) ?? null })),
    );
    if (errors.length) throw outOfScope(errors);
  }

  /** listLive's filter over opened content: pages in key order until `limit` records match (`data ->> field = value`, as SQL would). */
  async function filterOpened(code: string, f: { where: Record<string, string>; limit: number; after?: string | undefined }): Promise<StoredRecord[]> {
    const out: StoredRecord[] = [];
    const wanted = Object.entries(f.where);
    for (let after = f.after ?? null; ;) {
      const page = await livePage(code, after, FILTER_PAGE);
      for (const r of page) {
        if (wanted.every(([field, value]) => asText(r.data?.[field]) === value)) out.push(r);
        if (out.length === f.limit) return out;
      }
      if (page.length < FILTER_PAGE) return out;
      after = page.at(-1)!.key;
    }
  }

  /** Live records after `after` in key order, opened. */
  async function livePage(code: string, after: string | null, limit: number): Promise<StoredRecord[]> {
    const r = await db.query<Stored<StoredRecord>>(
      `SELECT record_key AS key, version, data, sealed, deleted, written_at FROM records
        WHERE dataset_code = $1 AND NOT deleted AND ($2::text IS NULL OR record_key > $2) ORDER BY record_key LIMIT $3`,
      [code, after, limit],
    );
    return opened(code, r.rows);
  }

  return {
    async write(p: Principal, code: string, writes: RecordWrite[]): Promise<WriteResult> {
      requireCustodian(p, await catalog.datasets.get(code));
      return writeAs(p.username, code, writes);
    },
    /** Throws unless `p` may write the dataset's records: decided on the headers, before a body is read. */
    async mayWrite(p: Principal, code: string): Promise<void> {
      requireCustodian(p, await catalog.datasets.get(code));
    },
    /** R-4.1: throws unless `system` of `agency` may write the dataset — the custodian's, or a producer's authorised now (decided on the headers). */
    async mayProduce(code: string, agency: string, system: string): Promise<void> {
      const d = await catalog.datasets.get(code);
      if (agency !== d.custodian_code && (await producers.inForce(code, agency, system)).length === 0) throw notAuthorised();
    },
    writeAs,
    hostedDataset,
    /** Live records in key order, content opened, for the quality figures (whoever asks was checked there). */
    livePage,

    /**
     * The gateway's reads of live records, several in one statement (its read batcher,
     * src/gateway/record-reads.ts); the gateway has already decided each reader may (R-4.2).
     * Missing and deleted records have no row.
     */
    async readLiveMany(wanted: readonly LiveKey[]): Promise<LiveRow[]> {
      const r = await db.query<Stored<StoredRecord & LiveKey>>(
        `SELECT dataset_code AS dataset, record_key AS key, version, data, sealed, deleted, written_at FROM records
         WHERE (dataset_code, record_key) IN (SELECT * FROM unnest($1::text[], $2::text[])) AND NOT deleted`,
        [wanted.map((w) => w.dataset), wanted.map((w) => w.key)],
      );
      // One row that does not open (altered, moved) fails its own reads, not the others of the batch.
      return Promise.all(
        r.rows.map((row) =>
          opened(row.dataset, [row]).then(
            (o) => o[0]!,
            (error: unknown) => ({ ...row, data: null, sealed: undefined, error }),
          ),
        ),
      );
    },

    /** The gateway's listing: live records in key order, optionally where field = value (fields the gateway checked are granted). */
    async listLive(code: string, f: { where: Record<string, string>; limit: number; after?: string | undefined }): Promise<StoredRecord[]> {
      // Sealed content cannot be filtered by the database: filtered in memory, page by page.
      if (Object.keys(f.where).length && (await sealing.hasKey(code))) return filterOpened(code, f);
      const w = new Where()
        .add('dataset_code = ?', code)
        .addRawIf(true, 'NOT deleted')
        .addIf(f.after !== undefined, 'record_key > ?', f.after);
      for (const [field, value] of Object.entries(f.where)) w.add(`data ->> ? = ${w.next(value)}`, field);
      const r = await db.query<Stored<StoredRecord>>(
        `SELECT record_key AS key, version, data, sealed, deleted, written_at FROM records ${w} ORDER BY record_key LIMIT ${w.next(f.limit)}`,
        w.params,
      );
      return opened(code, r.rows);
    },

    async get(p: Principal, code: string, key: string): Promise<StoredRecord> {
      requireCustodian(p, await catalog.datasets.get(code));
      const r = await db.query<Stored<StoredRecord>>(
        'SELECT record_key AS key, version, data, sealed, deleted, written_at FROM records WHERE dataset_code = $1 AND record_key = $2',
        [code, key],
      );
      if (!r.rows[0]) throw notFound('bản ghi', 'record', key);
      return (await opened(code, r.rows))[0]!;
    },

    async versions(p: Principal, code: string, key: string): Promise<RecordVersion[]> {
      requireCustodian(p, await catalog.datasets.get(code));
      const r = await db.query<Stored<RecordVersion>>(
        'SELECT record_key AS key, version, data, sealed, deleted, content_hash, written_by, producer_agency_code, written_at FROM record_versions WHERE dataset_code = $1 AND record_key = $2 ORDER BY version',
        [code, key],
      );
      if (r.rows.length === 0) throw notFound('bản ghi', 'record', key);
      // A sealed version's hash is not stored (it would confirm guesses of the content): the same SHA-256, computed on the opened content.
      return (await opened(code, r.rows)).map((v) => (v.content_hash === SEALED_HASH ? { ...v, content_hash: contentHash(v.data) } : v));
    },

    /** Live records in key order; `after` is the last key of the previous page (keyset pagination). */
    async list(p: Principal, code: string, f: { limit: number; after?: string | undefined }): Promise<{ items: StoredRecord[]; next_after: string | null }> {
      requireCustodian(p, await catalog.datasets.get(code));
      const items = await livePage(code, f.after ?? null, f.limit);
      return { items, next_after: items.length === f.limit ? items.at(-1)!.key : null };
    },
  };
}

export type RecordService = ReturnType<typeof createRecordService>;

function notAuthorised(): Problem {
  return forbidden(
    'Chỉ hệ thống của cơ quan chủ quản, hoặc của cơ quan được chủ quản uỷ quyền cập nhật, được cập nhật dữ liệu của bộ dữ liệu này.',
    "Only the custodian's systems, or those of an agency the custodian authorised as a producer, update this dataset's records.",
    'R-4.1',
  );
}

/** Records opened per round when a sealed dataset is filtered. */
const FILTER_PAGE = 500;

/** A JSON value as `->>` renders it: strings as they are, other values as JSON text, null as SQL NULL. */
const asText = (v: unknown): string | null => (v === undefined || v === null ? null : typeof v === 'string' ? v : JSON.stringify(v));

/**
 * The first of `n` consecutive feed positions of the dataset (docs/sync.md). The upsert locks the
 * dataset's feed row until the transaction ends, so a second writer of the dataset waits here for
 * the first to commit (or roll back, taking its positions back): positions follow commit order.
 */
async function takePositions(tx: Queryable, code: string, n: number): Promise<number> {
  const r = await tx.query<{ position: number }>(
    `INSERT INTO record_feeds (dataset_code, position) VALUES ($1, $2)
     ON CONFLICT (dataset_code) DO UPDATE SET position = record_feeds.position + EXCLUDED.position RETURNING position`,
    [code, n],
  );
  return r.rows[0]!.position - n + 1;
}

async function insertVersions(
  tx: Queryable,
  code: string,
  rows: { record_key: string; version: number; data: unknown; sealed: string | null; deleted: boolean; content_hash: string; position: number }[],
  who: { writer: string; producer: string },
  now: Date,
): Promise<void> {
  const json = JSON.stringify(rows);
  await tx.query(
    `INSERT INTO record_versions (dataset_code, record_key, version, data, sealed, deleted, content_hash, written_by, producer_agency_code, written_at, position)
     SELECT $1, x.record_key, x.version, x.data, decode(x.sealed, 'base64'), x.deleted, x.content_hash, $3, $5, $4, x.position
       FROM jsonb_to_recordset($2::jsonb) AS x(record_key text, version int, data jsonb, sealed text, deleted boolean, content_hash text, position bigint)`,
    [code, json, who.writer, now, who.producer],
  );
  await tx.query(
    `INSERT INTO records (dataset_code, record_key, version, data, sealed, deleted, written_at, position)
     SELECT $1, x.record_key, x.version, x.data, decode(x.sealed, 'base64'), x.deleted, $3, x.position
       FROM jsonb_to_recordset($2::jsonb) AS x(record_key text, version int, data jsonb, sealed text, deleted boolean, position bigint)
     ON CONFLICT (dataset_code, record_key) DO UPDATE
       SET version = EXCLUDED.version, data = EXCLUDED.data, sealed = EXCLUDED.sealed, deleted = EXCLUDED.deleted, written_at = EXCLUDED.written_at, position = EXCLUDED.position`,
    [code, json, now],
  );
}
