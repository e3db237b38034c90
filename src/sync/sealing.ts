import type { Catalog, Dataset } from '../catalog/index.ts';
import type { Clock } from '../core/clock.ts';
import { type KeyWrapper, newDataKey, open, seal } from '../core/sealing.ts';
import type { Database, Queryable } from '../db/database.ts';

/**
 * Hosted records of secret and top-secret datasets sealed at rest. Each dataset has
 * its own random data key (AES-256-GCM), stored only wrapped by the KEK, which the `KeyWrapper`
 * holds outside the database. Record keys stay in clear: they are the lookup and the primary key,
 * and the sharing log names them in every entry anyway — what a key says must not itself
 * be secret (custodians use identifiers, not names).
 */
export const isSealedClass = (d: Pick<Dataset, 'classification'>) => d.classification === 'secret' || d.classification === 'top_secret';

/** What a sealed record's content is bound to: moved to another dataset, key or version, it no longer opens. */
const recordAad = (dataset: string, key: string, version: number) => `lienthong/record/v1\0${dataset}\0${key}\0${version}`;
/** A wrapped data key is bound to its dataset: swapped into another dataset's row, it does not unwrap. */
const keyContext = (dataset: string) => `lienthong/dataset-key/v1\0${dataset}`;

/** The content_hash column of a sealed version: the hash of clear content would let guesses be confirmed; it is computed on read. */
export const SEALED_HASH = 'sealed';
/** Versions sealed per transaction by the upgrade step. */
const SEAL_PAGE = 500;

/** A KEK problem at start: the server stops with this message rather than run without its data, or seal with a key no one keeps. */
class KekError extends Error {
  constructor(vi: string, en: string) {
    super(`${vi} / ${en}`);
    this.name = 'KekError';
  }
}

export interface SealingStart {
  kekId: string;
  /** Where a KEK was created at this start (first start), for the operator's log. */
  kekCreated: string | null;
  /** Data keys found under another KEK than the one in force, re-wrapped. */
  rewrapped: number;
  /** Versions that were in clear (written before sealing, or before their dataset became secret), sealed now. */
  sealed: number;
}

interface KeyRow {
  dataset_code: string;
  kek_id: string;
  wrapped: Uint8Array;
}

export function createSealing(db: Database, clock: Clock, catalog: Catalog, wrapper: KeyWrapper) {
  const dataKeys = new Map<string, Promise<Buffer>>();
  let started: Promise<SealingStart> | undefined;

  const inForce = async (q: Queryable, lock = ''): Promise<string | null> =>
    (await q.query<{ kek_id: string }>(`SELECT kek_id FROM sealing_kek ${lock}`)).rows[0]?.kek_id ?? null;

  /** Checks the KEK against the one the database names; creates it on the very first start. */
  async function checkKek(): Promise<{ kekId: string; created: string | null }> {
    const registered = await inForce(db);
    let held = await wrapper.kekIds();
    if (registered) {
      // A rotation that stopped after the database took the new KEK and before its file was renamed.
      if (held.pending === registered) held = (await wrapper.promote(registered), await wrapper.kekIds());
      if (held.held.includes(registered)) return { kekId: registered, created: null };
      throw held.current === null
        ? new KekError(
            `Thiếu khoá mã hoá khoá (KEK) ${registered}: dữ liệu mật không mở được; hãy khôi phục tệp khoá (LIENTHONG_KEK_FILE)`,
            `the key-encryption key (KEK) ${registered} is missing: secret data cannot be opened; restore the key file (LIENTHONG_KEK_FILE)`,
          )
        : new KekError(
            `Khoá mã hoá khoá (KEK) ${held.current} không phải khoá ${registered} mà CSDL dùng; hãy dùng đúng tệp khoá (LIENTHONG_KEK_FILE)`,
            `the key-encryption key (KEK) ${held.current} is not the KEK ${registered} this database uses; point LIENTHONG_KEK_FILE at the right file`,
          );
    }
    let created: string | null = null;
    if (held.current === null) created = (await wrapper.createFirst()).where;
    const mine = (await wrapper.kekIds()).current!;
    await db.query('INSERT INTO sealing_kek (kek_id, registered_at) VALUES ($1, $2) ON CONFLICT DO NOTHING', [mine, clock.now()]);
    const now = await inForce(db);
    if (now !== mine) {
      throw new KekError(
        `Một máy chủ khác đã đăng ký KEK ${now}; mọi máy chủ dùng chung một tệp khoá`,
        `another server registered the KEK ${now}; every server must use the same key file`,
      );
    }
    return { kekId: mine, created };
  }

  /** Data keys still wrapped by another KEK (a server that wrapped during a rotation) are re-wrapped by the one in force. */
  async function rewrapStrays(): Promise<number> {
    return db.transaction(async (tx) => {
      const kek = (await inForce(tx, 'FOR UPDATE'))!;
      const rows = (await tx.query<KeyRow>('SELECT dataset_code, kek_id, wrapped FROM dataset_keys WHERE kek_id <> $1 FOR UPDATE', [kek])).rows;
      for (const r of rows) await rewrap(tx, r, kek);
      return rows.length;
    });
  }

  async function rewrap(tx: Queryable, r: KeyRow, kek: string): Promise<void> {
    const ctx = keyContext(r.dataset_code);
    const wrapped = await wrapper.wrap(kek, await wrapper.unwrap(r.kek_id, r.wrapped, ctx), ctx);
    await tx.query('UPDATE dataset_keys SET kek_id = $2, wrapped = $3, wrapped_at = $4 WHERE dataset_code = $1', [
      r.dataset_code,
      kek,
      Buffer.from(wrapped),
      clock.now(),
    ]);
  }

  /** The dataset's data key, unwrapped once and kept in memory; created (committed on its own) when `create`. */
  function dataKey(code: string, create: boolean): Promise<Buffer> {
    const hit = dataKeys.get(code);
    if (hit) return hit;
    const key = (async () => {
      await requireStarted();
      let row = await keyRow(code);
      if (!row) {
        if (!create) throw new Error(`dataset ${code} has sealed records but no data key`);
        await db.transaction(async (tx) => {
          // FOR SHARE: a rotation (FOR UPDATE) finishes before a new key is wrapped, so none is left under the old KEK.
          const kek = (await inForce(tx, 'FOR SHARE'))!;
          const wrapped = await wrapper.wrap(kek, newDataKey(), keyContext(code));
          const now = clock.now();
          await tx.query(
            'INSERT INTO dataset_keys (dataset_code, kek_id, wrapped, created_at, wrapped_at) VALUES ($1, $2, $3, $4, $4) ON CONFLICT DO NOTHING',
            [code, kek, Buffer.from(wrapped), now],
          );
        });
        row = (await keyRow(code))!; // (another server may have created it first: its key is the one)
      }
      return Buffer.from(await wrapper.unwrap(row.kek_id, row.wrapped, keyContext(code)));
    })();
    dataKeys.set(code, key);
    key.catch(() => dataKeys.delete(code));
    return key;
  }

  const keyRow = async (code: string) =>
    (await db.query<KeyRow>('SELECT dataset_code, kek_id, wrapped FROM dataset_keys WHERE dataset_code = $1', [code])).rows[0];

  /** Never seal (nor write clear secret data) before the KEK was checked. */
  async function requireStarted(): Promise<void> {
    if (!started) throw new KekError('Chưa kiểm tra khoá mã hoá khoá (KEK)', 'the key-encryption key (KEK) was not checked at start');
    await started;
  }

  /** Seals the clear versions of one dataset, a page per transaction; returns how many. */
  async function sealDataset(code: string): Promise<number> {
    const key = await dataKey(code, true);
    let total = 0;
    for (;;) {
      const n = await db.transaction(async (tx) => {
        const rows = (
          await tx.query<{ record_key: string; version: number; data: unknown }>(
            `SELECT record_key, version, data FROM record_versions WHERE dataset_code = $1 AND data IS NOT NULL ORDER BY record_key, version LIMIT ${SEAL_PAGE} FOR UPDATE`,
            [code],
          )
        ).rows;
        if (rows.length === 0) return 0;
        const sealed = JSON.stringify(
          rows.map((r) => ({
            k: r.record_key,
            v: r.version,
            s: seal(key, Buffer.from(JSON.stringify(r.data)), recordAad(code, r.record_key, r.version)).toString('base64'),
          })),
        );
        const from = `FROM jsonb_to_recordset($2::jsonb) AS x(k text, v int, s text)`;
        await tx.query(
          `UPDATE record_versions t SET data = NULL, sealed = decode(x.s, 'base64'), content_hash = '${SEALED_HASH}' ${from}
                         WHERE t.dataset_code = $1 AND t.record_key = x.k AND t.version = x.v`,
          [code, sealed],
        );
        // The current row only if it still is that version (a write may have come since).
        await tx.query(
          `UPDATE records t SET data = NULL, sealed = decode(x.s, 'base64') ${from}
                         WHERE t.dataset_code = $1 AND t.record_key = x.k AND t.version = x.v AND t.data IS NOT NULL`,
          [code, sealed],
        );
        return rows.length;
      });
      total += n;
      if (n < SEAL_PAGE) return total;
    }
  }

  /** Seals records of secret and top-secret datasets still in clear (also after a dataset is classified secret later). */
  async function sealClear(): Promise<number> {
    await requireStarted();
    let n = 0;
    for (const classification of ['secret', 'top_secret']) {
      const page = await catalog.datasets.list({ classification, limit: 10_000, offset: 0 });
      for (const d of page.items) {
        const clear = await db.query('SELECT 1 FROM record_versions WHERE dataset_code = $1 AND data IS NOT NULL LIMIT 1', [d.code]);
        if (clear.rows.length) n += await sealDataset(d.code);
      }
    }
    return n;
  }

  return {
    /**
     * At start, before anything is served: checks the KEK (a clear error, not a stack, when it is
     * missing or wrong), re-wraps stray data keys, and seals secret data still in clear (stored
     * before the database sealed records: a step that needs the KEK and so cannot be SQL).
     */
    start(): Promise<SealingStart> {
      started ??= (async () => {
        const { kekId, created } = await checkKek();
        return { kekId, kekCreated: created, rewrapped: await rewrapStrays(), sealed: 0 };
      })();
      started.catch(() => (started = undefined));
      return started.then(async (s) => {
        const sealed = await sealClear();
        // The old clear row images stay in the table files until they are rewritten. The embedded
        // database is this process's alone: rewritten now. A PostgreSQL server's operator runs the
        // same VACUUM FULL when convenient, as `serve` says (it locks the tables while it runs).
        if (sealed && db.driver === 'pglite') await db.exec('VACUUM FULL records, record_versions');
        return { ...s, sealed };
      });
    },

    sealClear,

    /** Makes sure the dataset's data key exists and is in memory: before a write's transaction, which must not wait on another. */
    ready: (code: string) => dataKey(code, true).then(() => undefined),

    /** The sealed form of a record's content (`data` of version `version` of `key`). */
    async seal(code: string, key: string, version: number, data: unknown): Promise<Buffer> {
      return seal(await dataKey(code, true), Buffer.from(JSON.stringify(data)), recordAad(code, key, version));
    },

    /** The content of a sealed record; throws when it was altered or moved to another row. */
    async open(code: string, key: string, version: number, sealed: Uint8Array): Promise<Record<string, unknown>> {
      return JSON.parse(open(await dataKey(code, false), sealed, recordAad(code, key, version)).toString('utf8')) as Record<string, unknown>;
    },

    /** Whether the dataset has a data key, so some of its records may be sealed (filters then run on opened content). */
    async hasKey(code: string): Promise<boolean> {
      return dataKeys.has(code) || (await keyRow(code)) !== undefined;
    },

    /**
     * A new KEK (`lienthong keys rotate-kek`): every data key is re-wrapped in one transaction and
     * the database names the new KEK; no record is touched. The old KEK is kept, retired, for
     * backups taken before.
     */
    async rotateKek(): Promise<{ from: string; to: string; rewrapped: number }> {
      await requireStarted();
      const to = await wrapper.prepareNext();
      const done = await db.transaction(async (tx) => {
        const from = (await inForce(tx, 'FOR UPDATE'))!;
        const rows = (await tx.query<KeyRow>('SELECT dataset_code, kek_id, wrapped FROM dataset_keys ORDER BY dataset_code FOR UPDATE')).rows;
        for (const r of rows) await rewrap(tx, r, to);
        await tx.query('UPDATE sealing_kek SET kek_id = $1, rotated_at = $2', [to, clock.now()]);
        return { from, rewrapped: rows.length };
      });
      await wrapper.promote(to);
      return { ...done, to };
    },
  };
}

export type Sealing = ReturnType<typeof createSealing>;
