import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import { type CryptoProvider, signJws } from '../core/crypto.ts';
import { PROBLEMS, Problem, conflict, forbidden, notFound } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import type { AsOfRecord, Feed } from '../sync/index.ts';
import {
  type Exchange,
  type GatewayRequest,
  type GatewayResponse,
  type LogAppend,
  type Outcome,
  type StreamedResponse,
  jsonOutcome,
  releaseStream,
} from './exchange.ts';
import type { ExportFormat, ExportStore, PreparedExport } from './export-store.ts';
import { type Pipeline, requireHosted } from './feeds.ts';
import type { Authorized } from './service.ts';
import { type ShapePlan, canonicalShaper, shapeRecord } from './shaping.ts';

/**
 * Bulk exports (R-6.1c; docs/sync.md): prepare → log → download by id.
 *
 * 1. `POST /data/v1/{dataset}/exports?format=ndjson|csv&fields=…&<granted field>=<value>` fixes the
 *    feed position, streams the dataset as of it through shaping and masking into SHA-256 (page by
 *    page: never the whole dataset in memory), signs a manifest naming that digest, keeps what
 *    makes the bytes again, and answers the manifest — an exchange logged like any other.
 * 2. `GET …/exports/{id}/content` decides again (a suspension, revocation or termination since
 *    refuses it), writes the entry naming the export's SHA-256, and only then streams the
 *    same bytes, made again from the immutable versions as of the position.
 */
export interface ExportDeps {
  feed: Feed;
  store: ExportStore;
  signer: CryptoProvider;
  append: LogAppend;
  now(): Date;
}

export interface DownloadPipeline extends Pipeline {
  /** One exchange whose success is streamed: `work` answers the stream, or throws the refusal (signed and logged). */
  streamed(
    req: GatewayRequest,
    form: Exchange['form'],
    work: (ex: Exchange) => Promise<StreamedResponse | GatewayResponse>,
  ): Promise<StreamedResponse | GatewayResponse>;
}

const FORMATS = new Set<ExportFormat>(['ndjson', 'csv']);
const CONTENT_TYPES: Record<ExportFormat, string> = { ndjson: 'application/x-ndjson; charset=utf-8', csv: 'text/csv; charset=utf-8' };
const RESERVED = new Set(['format', 'fields']);
/** How long a prepared export can be downloaded. */
const LIFETIME_MS = 24 * 3600_000;
const PAGE = 1000;

/** A JSON value as `->>` renders it (as record listing filters compare). */
const asText = (v: unknown): string | null => (v === undefined || v === null ? null : typeof v === 'string' ? v : JSON.stringify(v));
const cell = (v: unknown): string => (v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v));

/** The columns an export has: the granted and masked fields in the dataset's order. */
function columnsOf(a: Authorized): string[] {
  return a.view.fields.map((f) => f.name).filter((n) => a.plan.whole.has(n) || a.plan.masked.has(n));
}

/** The export's bytes, page by page: the same position, plan and filters always give the same bytes. */
async function* exportBytes(
  feed: Feed,
  e: Pick<PreparedExport, 'dataset_code' | 'position' | 'format' | 'filters'>,
  plan: ShapePlan,
  columns: string[],
  count = { records: 0 },
): AsyncGenerator<Buffer> {
  const wanted = Object.entries(e.filters);
  const kept = (r: AsOfRecord) => wanted.every(([f, v]) => asText(r.data?.[f]) === v);
  const data = canonicalShaper(plan);
  let first = true;
  for await (const page of feed.asOf(e.dataset_code, e.position, PAGE)) {
    const rows = wanted.length ? page.filter(kept) : page;
    count.records += rows.length;
    yield Buffer.from(e.format === 'ndjson' ? ndjson(rows, data) : csv(rows, plan, columns, first));
    first = false;
  }
  if (first && e.format === 'csv') yield Buffer.from(csv([], plan, columns, true));
}

/** One page of NDJSON lines as one string (one Buffer per page, no object per line). */
function ndjson(rows: AsOfRecord[], data: (d: Record<string, unknown>) => string): string {
  let out = '';
  for (const r of rows) out += `{"key":${JSON.stringify(r.key)},"version":${r.version},"updated_at":"${r.updated_at}","data":${data(r.data ?? {})}}\n`;
  return out;
}
const csv = (rows: AsOfRecord[], plan: ShapePlan, columns: string[], header: boolean) =>
  stringify(
    rows.map((r) => {
      const data = shapeRecord(r.data ?? {}, plan);
      return [r.key, String(r.version), r.updated_at, ...columns.map((c) => cell(data[c]))];
    }),
    {
      ...(header && { header: true, columns: ['key', 'version', 'updated_at', ...columns] }),
      record_delimiter: 'windows',
    },
  );

function planOf(a: Authorized): { fields: string[]; masked: Record<string, string> } {
  return { fields: [...a.plan.whole].sort(), masked: Object.fromEntries([...a.plan.masked].sort(([x], [y]) => x.localeCompare(y))) };
}

export function createExports(p: DownloadPipeline, d: ExportDeps) {
  function exportFilters(a: Authorized, q: Record<string, string>): Record<string, string> {
    const where = Object.fromEntries(Object.entries(q).filter(([k]) => !RESERVED.has(k)));
    // Filtering on a field one may not read would reveal it one guess at a time.
    const hidden = Object.keys(where).filter((f) => !a.plan.whole.has(f));
    if (hidden.length)
      throw forbidden(
        `Chỉ lọc được theo các trường được cấp; không được: ${hidden.join(', ')}.`,
        `Filters only on granted fields; not: ${hidden.join(', ')}.`,
        'R-8.2',
      );
    return where;
  }

  async function prepare(ex: Exchange, req: GatewayRequest, code: string): Promise<Outcome> {
    const a = await p.authorizeRead(ex, code, p.askedFields(req.query));
    requireHosted(a);
    // an export is one file digested before it is sent; secret data is only sent as a JWE
    // per answer (the feed and the snapshot), never as a file the platform would hold in clear.
    if (a.view.secret)
      throw forbidden(
        'Dữ liệu mật, tối mật không được kết xuất thành tệp; hãy dùng ảnh chụp và luồng thay đổi (được mã hoá).',
        'Secret data is not exported as a file; use the snapshot and the change feed (encrypted).',
        'R-11',
      );
    const format = (req.query.format ?? 'ndjson') as ExportFormat;
    if (!FORMATS.has(format))
      throw new Problem(PROBLEMS.badRequest, { detail: 'Định dạng (`format`) phải là ndjson hoặc csv.', detail_en: 'format must be ndjson or csv.' });
    const filters = exportFilters(a, req.query);
    const position = await d.feed.head(code);
    const hash = crypto.createHash('sha256');
    let bytes = 0;
    const count = { records: 0 };
    for await (const chunk of exportBytes(d.feed, { dataset_code: code, position, format, filters }, a.plan, columnsOf(a), count)) {
      hash.update(chunk);
      bytes += chunk.length;
    }
    const records = count.records;
    const now = d.now();
    const id = newId();
    const sha256 = hash.digest('hex');
    const { fields, masked } = planOf(a);
    const expires = new Date(now.getTime() + LIFETIME_MS);
    const summary = {
      id,
      dataset: code,
      system: a.token?.system ?? null,
      position,
      format,
      records,
      bytes,
      sha256,
      fields,
      masked,
      filters,
      created_at: now.toISOString(),
      expires_at: expires.toISOString(),
    };
    const manifest = await signJws(d.signer, Buffer.from(JSON.stringify(summary)), { typ: 'lienthong-export+jws' });
    await d.store.add({
      id,
      dataset_code: code,
      system_code: a.token?.system ?? '',
      position,
      format,
      fields,
      masked: masked as PreparedExport['masked'],
      filters,
      records,
      bytes,
      sha256,
      manifest,
      created_at: now,
      expires_at: expires,
    });
    return jsonOutcome(201, { ...summary, manifest, content_url: `/data/v1/${code}/exports/${id}/content` });
  }

  async function download(ex: Exchange, code: string, id: string): Promise<StreamedResponse | GatewayResponse> {
    const stored = await d.store.get(code, id);
    // Decided again now, for the fields the export holds: whatever stopped the consumer since refuses it.
    const a = await p.authorizeRead(ex, code, stored?.fields, false);
    if (!stored || stored.system_code !== (a.token?.system ?? '') || stored.expires_at.getTime() <= d.now().getTime())
      throw notFound('bản kết xuất', 'export', id);
    if (JSON.stringify(planOf(a)) !== JSON.stringify({ fields: stored.fields, masked: stored.masked })) {
      throw conflict(
        'Quyền được cấp đã thay đổi từ khi chuẩn bị bản kết xuất; hãy chuẩn bị lại.',
        'The grant changed since the export was prepared; prepare it again.',
      );
    }
    const columns = columnsOf(a);
    return releaseStream(
      ex,
      {
        contentType: CONTENT_TYPES[stored.format],
        digest: stored.sha256,
        bytes: stored.bytes,
        headers: {
          'content-length': String(stored.bytes),
          'repr-digest': `sha-256=:${Buffer.from(stored.sha256, 'hex').toString('base64')}:`,
          'lienthong-export-manifest': stored.manifest,
          'content-disposition': `attachment; filename="${code}-${stored.position}.${stored.format}"`,
        },
        stream: () => Readable.from(checked(exportBytes(d.feed, stored, a.plan, columns), stored.sha256)),
      },
      d.append,
      d.now,
    );
  }

  return {
    /** POST /data/v1/{dataset}/exports */
    prepareExport: (req: GatewayRequest, code: string) => p.exchange(req, 'export', (ex) => prepare(ex, req, code)),
    /** GET /data/v1/{dataset}/exports/{id}/content */
    downloadExport: (req: GatewayRequest, code: string, id: string) => p.streamed(req, 'export', (ex) => download(ex, code, id)),
  };
}

/** The bytes made again must be the ones digested: if not, the download fails rather than end as if whole. */
async function* checked(chunks: AsyncGenerator<Buffer>, sha256: string): AsyncGenerator<Buffer> {
  const hash = crypto.createHash('sha256');
  for await (const c of chunks) {
    hash.update(c);
    yield c;
  }
  if (hash.digest('hex') !== sha256) throw new Error('export bytes differ from the prepared digest');
}
