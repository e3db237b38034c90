import crypto from 'node:crypto';
import os from 'node:os';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Clock } from '../core/clock.ts';
import { Problem, PROBLEMS } from '../core/errors.ts';
import type { Ledger, LedgerEntry } from '../ledger/index.ts';
import type { Principal } from '../registry/index.ts';
import type { Access, DatasetAccess } from './access.ts';
import { type Compiled, compile } from './compile.ts';
import { type Store, dimViewName, ident, literal } from './store.ts';

export const MAX_ROWS = 10_000;
export const MAX_EXPORT_ROWS = 1_000_000;
const DEFAULT_TIMEOUT_MS = 30_000;
const INSTANCE = `warehouse@${os.hostname()}:${process.pid}`;

export type ParamValue = string | number | boolean | null;

export interface QueryRequest {
  sql: string;
  params?: Record<string, ParamValue> | undefined;
  /** Answer as the data stood at this instant (RFC 3339); now when absent. */
  as_of?: string | undefined;
  limit?: number | undefined;
  timeout_ms?: number | undefined;
  /** The caller's id for the query, to cancel it (`POST /warehouse/queries/{id}/cancel`). */
  query_id?: string | undefined;
}

export interface Column {
  name: string;
  type: string;
}

/** A query's answer before it is logged: what it read and what it gives. */
export interface Executed {
  query_id: string;
  columns: Column[];
  rows: unknown[][];
  truncated: boolean;
  as_of: string | null;
  compiled: Compiled;
  requestedAt: Date;
}

/** How the answer leaves: the resource and form its log entries name. */
export interface Release {
  form: 'api' | 'export';
  resource: string;
  requestId: string;
  /** What was asked, beyond the SQL: the saved query, the chart, the export's format. */
  extra?: Record<string, string> | undefined;
}

export interface Receipt {
  log: string;
  id: string;
}

const sha256 = (b: Uint8Array | string) => crypto.createHash('sha256').update(b).digest('hex');

/**
 * The query path: parse with DuckDB's parser, check and compile against the analyst's
 * grants decided now (compile.ts, access.ts), then run in a connection of its own where the only
 * objects made are the analyst's views (temporary, gone with the connection), under a row limit
 * and a time limit, cancellable. Errors of execution are answered by their kind only: their text
 * can quote values (a failed cast names the value), which a view may not show (aggregates only).
 */
export function createQueries(deps: {
  store: () => Promise<Store>;
  access: Access;
  ledger: Pick<Ledger, 'appendDurable'>;
  clock: Clock;
  coordinatorLog: string;
}) {
  const running = new Map<string, { conn: DuckDBConnection; owner: string; cancelled: boolean }>();

  async function viewsFor(conn: DuckDBConnection, c: Compiled, asOf: string | null): Promise<void> {
    const when = asOf
      ? `_valid_from <= ${literal(asOf)}::TIMESTAMPTZ AND (_valid_to IS NULL OR _valid_to > ${literal(asOf)}::TIMESTAMPTZ)`
      : '_valid_to IS NULL';
    for (const d of c.datasets) {
      const cols = d.columns.map((col) => `${ident(col.source)} AS ${ident(col.name)}`).join(', ');
      await conn.run(`CREATE TEMP VIEW ${ident(d.view)} AS SELECT ${cols} FROM base.${ident(d.code)} WHERE ${when}`);
    }
    for (const v of c.dimensions) {
      const code = (await dimensionCodes(conn)).get(v)!;
      await conn.run(`CREATE TEMP VIEW ${ident(v)} AS SELECT code, name_vi, name_en, parent_code, level FROM dim.${ident(code)}`);
    }
  }

  async function dimensionCodes(conn: DuckDBConnection): Promise<Map<string, string>> {
    const r = await conn.runAndReadAll("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'dim'");
    return new Map(r.getRowObjectsJS().map((x) => [dimViewName(String(x.table_name)), String(x.table_name)]));
  }

  async function ingested(conn: DuckDBConnection): Promise<Set<string>> {
    const r = await conn.runAndReadAll("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'base'");
    return new Set(r.getRowObjectsJS().map((x) => String(x.table_name)));
  }

  function executionError(err: unknown, cancelled: boolean, timedOut: boolean): Problem {
    const message = err instanceof Error ? err.message : String(err);
    if (timedOut)
      return new Problem(PROBLEMS.unprocessable, {
        rule: 'R-7.3',
        detail: 'Câu truy vấn vượt quá thời gian cho phép và đã bị dừng.',
        detail_en: 'The query ran past its time limit and was stopped.',
      });
    if (cancelled || /INTERRUPT/i.test(message))
      return new Problem(PROBLEMS.conflict, { detail: 'Câu truy vấn đã bị huỷ.', detail_en: 'The query was cancelled.' });
    const kind = /^([A-Za-z ]{1,40}) Error:/.exec(message)?.[1] ?? 'Execution';
    return new Problem(PROBLEMS.badRequest, {
      detail: `Câu truy vấn không thực hiện được (lỗi loại ${kind}). Nội dung lỗi không được trả về vì có thể chứa giá trị dữ liệu.`,
      detail_en: `The query failed (${kind} error). The error's text is not returned: it may quote data values.`,
      extra: { error_kind: kind },
    });
  }

  return {
    /** The schema an analyst may query: their views and the code-list dimensions. */
    async schema(p: Principal): Promise<{ datasets: DatasetAccess[]; dimensions: { view: string; code: string }[] }> {
      const s = await deps.store();
      const conn = await s.instance.connect();
      try {
        const access = await deps.access.of(p, await ingested(conn));
        const dims = await dimensionCodes(conn);
        return { datasets: [...access.values()], dimensions: [...dims].map(([view, code]) => ({ view, code })) };
      } finally {
        conn.closeSync();
      }
    },

    /** Checks, compiles and runs; refusals are logged in the coordinator's log before they are answered. */
    async execute(p: Principal, q: QueryRequest, rel: Release, maxRows = MAX_ROWS): Promise<Executed> {
      deps.access.requireAnalyst(p);
      const requestedAt = deps.clock.now();
      const s = await deps.store();
      const conn = await s.instance.connect();
      const id = q.query_id ?? crypto.randomUUID();
      if (running.has(id)) {
        conn.closeSync();
        throw new Problem(PROBLEMS.conflict, { detail: `Mã truy vấn "${id}" đang được dùng.`, detail_en: `Query id "${id}" is in use.` });
      }
      const slot = { conn, owner: p.userId, cancelled: false };
      running.set(id, slot);
      let timer: NodeJS.Timeout | undefined;
      let timedOut = false;
      try {
        const asOf = q.as_of ? new Date(q.as_of) : null;
        if (asOf && Number.isNaN(asOf.getTime()))
          throw new Problem(PROBLEMS.validation, { detail: 'Thời điểm as_of không hợp lệ.', detail_en: 'as_of is not a valid instant.' });
        const parsed = (await conn.runAndReadAll('SELECT json_serialize_sql($1::VARCHAR)', [q.sql])).getRows()[0]![0];
        const access = await deps.access.of(p, await ingested(conn));
        const dims = new Set((await dimensionCodes(conn)).keys());
        let compiled: Compiled;
        try {
          // Positions in the text are of no use here, and "unknown" (2^64 - 1) does not survive a JavaScript number.
          compiled = compile(JSON.parse(String(parsed).replace(/"query_location":\d+/g, '"query_location":0')), { datasets: access, dimensions: dims });
        } catch (err) {
          if (err instanceof Problem && err.status === 403) await logRefusal(p, q, rel, requestedAt, err);
          throw err;
        }
        const params = q.params ?? {};
        const missing = compiled.parameters.filter((n) => !(n in params));
        if (missing.length)
          throw new Problem(PROBLEMS.validation, {
            detail: `Thiếu giá trị tham số: ${missing.join(', ')}.`,
            detail_en: `Missing parameter values: ${missing.join(', ')}.`,
          });
        let text: string;
        try {
          await viewsFor(conn, compiled, asOf ? asOf.toISOString() : null);
          text = String((await conn.runAndReadAll('SELECT json_deserialize_sql($1::JSON)', [JSON.stringify(compiled.ast)])).getRows()[0]![0]);
        } catch (err) {
          throw executionError(err, slot.cancelled, false);
        }
        // small-cell suppression — groups with fewer records than the threshold never leave DuckDB.
        const sql = compiled.suppression
          ? `SELECT * EXCLUDE (${ident(compiled.suppression.column)}) FROM (${text}) AS q WHERE ${ident(compiled.suppression.column)} >= ${compiled.suppression.minCell}`
          : text;
        const limit = Math.min(q.limit ?? maxRows, maxRows);
        timer = setTimeout(
          () => {
            timedOut = true;
            conn.interrupt();
          },
          Math.min(q.timeout_ms ?? DEFAULT_TIMEOUT_MS, 300_000),
        );
        let reader;
        try {
          const prepared = await conn.prepare(sql);
          const values: Record<string, ParamValue> = {};
          for (const n of compiled.parameters) values[n] = params[n] ?? null;
          if (compiled.parameters.length) prepared.bind(values);
          reader = await prepared.streamAndReadUntil(limit + 1);
        } catch (err) {
          throw executionError(err, slot.cancelled, timedOut);
        }
        const types = reader.columnTypes();
        const rows = numbersOf(
          reader.getRowsJson() as unknown[][],
          types.map((t) => t.toString()),
        );
        const truncated = rows.length > limit;
        return {
          query_id: id,
          columns: reader.columnNames().map((name, i) => ({ name, type: types[i]!.toString() })),
          rows: truncated ? rows.slice(0, limit) : rows,
          truncated,
          as_of: asOf ? asOf.toISOString() : null,
          compiled,
          requestedAt,
        };
      } finally {
        clearTimeout(timer);
        running.delete(id);
        conn.closeSync();
      }
    },

    /**
     * one entry in the log of each custodian whose data the answer read — who asked, the
     * SQL and its parameters, the datasets, the rows given, the SHA-256 of the bytes given —
     * durably appended before the answer is released. A log that cannot take it means no answer (503).
     */
    async log(p: Principal, q: QueryRequest, e: Executed, rel: Release, body: { digest: string; bytes: number }): Promise<Receipt[]> {
      const codes = e.compiled.datasets.map((d) => d.code);
      try {
        return await Promise.all(
          e.compiled.datasets.map(async (d) => {
            const entry: LedgerEntry = {
              requested_at: e.requestedAt.toISOString(),
              responded_at: deps.clock.now().toISOString(),
              form: rel.form,
              requester: { agency: p.agencyCode, system: null, account: p.username },
              request: {
                method: 'POST',
                resource: rel.resource,
                query: requestQuery(q, { datasets: codes.join(','), result_rows: String(e.rows.length), ...rel.extra }),
                purpose: null,
                fields: d.columns.map((c) => c.name),
              },
              dataset: d.code,
              record_keys: [],
              response: { status: 200, content_sha256: body.digest, content_kept: false, bytes: body.bytes, rule: null },
              agreement_ids: d.agreementIds,
              policy_version: d.policyVersion,
              trace_id: rel.requestId,
              gateway_instance: INSTANCE,
            };
            const r = await deps.ledger.appendDurable(d.custodian, entry);
            return { log: d.custodian, id: r.id };
          }),
        );
      } catch {
        throw new Problem(PROBLEMS.unavailable, {
          rule: 'R-17.1',
          detail: 'Không ghi được nhật ký chia sẻ nên kết quả không được cung cấp; hãy thử lại sau.',
          detail_en: 'The sharing log could not record this query, so no result is released; try again later.',
          headers: { 'retry-after': '5' },
        });
      }
    },

    /** Stops a running query of the same analyst (its connection is interrupted). */
    cancel(p: Principal, id: string): boolean {
      const r = running.get(id);
      if (!r || r.owner !== p.userId) return false;
      r.cancelled = true;
      r.conn.interrupt();
      return true;
    },
  };

  async function logRefusal(p: Principal, q: QueryRequest, rel: Release, requestedAt: Date, err: Problem): Promise<void> {
    const body = Buffer.from(JSON.stringify(err.body(rel.resource, rel.requestId)));
    await deps.ledger
      .appendDurable(deps.coordinatorLog, {
        requested_at: requestedAt.toISOString(),
        responded_at: deps.clock.now().toISOString(),
        form: rel.form,
        requester: { agency: p.agencyCode, system: null, account: p.username },
        request: { method: 'POST', resource: rel.resource, query: requestQuery(q, rel.extra ?? {}), purpose: null, fields: [] },
        dataset: null,
        record_keys: [],
        response: { status: 403, content_sha256: sha256(body), content_kept: false, bytes: body.length, rule: 'R-7.3' },
        agreement_ids: [],
        policy_version: null,
        trace_id: rel.requestId,
        gateway_instance: INSTANCE,
      })
      .catch(() => undefined);
  }
}

/** DuckDB's JSON form gives 64- and 128-bit integers and decimals as text; counts and sums a chart can draw are numbers when exact. */
function numbersOf(rows: unknown[][], types: string[]): unknown[][] {
  const numeric = types.map((t) => /^(BIGINT|HUGEINT|UBIGINT|UHUGEINT|DECIMAL)/.test(t));
  if (!numeric.some(Boolean)) return rows;
  return rows.map((r) =>
    r.map((v, i) => {
      if (!numeric[i] || typeof v !== 'string') return v;
      const n = Number(v);
      return Number.isFinite(n) && (!/^-?\d+$/.test(v) || Number.isSafeInteger(n)) ? n : v;
    }),
  );
}

function requestQuery(q: QueryRequest, extra: Record<string, string>): Record<string, string> {
  return {
    sql: q.sql,
    ...(q.params && Object.keys(q.params).length ? { params: JSON.stringify(q.params) } : {}),
    ...(q.as_of ? { as_of: q.as_of } : {}),
    ...extra,
  };
}

/** The answer's bytes as the API gives them, and their digest (what the log entry names). */
export function answerBody(e: Executed): { json: string; digest: string } {
  const json = JSON.stringify({ columns: e.columns, rows: e.rows, truncated: e.truncated, as_of: e.as_of });
  return { json, digest: sha256(json) };
}
