import type { Mask, ResolvedField } from '../catalog/index.ts';
import { type ShapePlan, shapeRecord } from '../gateway/index.ts';
import type { TextChange } from '../sync/index.ts';
import { type Store, ident, literal } from './store.ts';

const DUCK_TYPES: Record<ResolvedField['type'], string> = {
  string: 'VARCHAR',
  code: 'VARCHAR',
  integer: 'BIGINT',
  number: 'DOUBLE',
  boolean: 'BOOLEAN',
  date: 'DATE',
  datetime: 'TIMESTAMPTZ',
};
export const duckType = (f: Pick<ResolvedField, 'type'>) => DUCK_TYPES[f.type];
/** The column holding a personal field as the gateway's mask shows it (R-8.2). */
export const maskedColumn = (field: string) => `${field}__masked`;

/** Where a change's members sit in its line (`batchLines`), 1-based as DuckDB lists count. */
const KEY = 1;
const VERSION = 2;
const POSITION = 3;
const AT = 4;
const DELETED = 5;
const FIRST_FIELD = 6;

/**
 * A batch as one text, a change a line: `[key, version, position, written_at, deleted, content]`,
 * each a JSON array. DuckDB splits and parses it in one statement, so no value is appended one by
 * one from JavaScript. A line never holds a newline: JSON escapes control characters inside
 * strings, so a raw newline in the stored text can only be whitespace between tokens, and a space
 * reads the same.
 */
export function batchLines(changes: readonly TextChange[]): string {
  // Appended to one string (V8 joins the pieces once, when DuckDB reads it): faster than an array
  // joined. A batch written in one transaction shares one instant, formatted once.
  let out = '';
  let ms = NaN;
  let at = '';
  for (const c of changes) {
    if (c.written_at.getTime() !== ms) {
      ms = c.written_at.getTime();
      at = c.written_at.toISOString();
    }
    const content = c.deleted || c.json === null ? '1,null' : `0,${c.json.includes('\n') ? c.json.replaceAll('\n', ' ') : c.json}`;
    out += `${out ? '\n' : ''}[${JSON.stringify(c.key)},${c.version},${c.position},"${at}",${content}]`;
  }
  return out;
}

/**
 * The gateway's mask (`shapeRecord`) in SQL, for the values where it provably gives the same text:
 * a JSON string (never a number, boolean, array or object, which JavaScript would first turn into
 * text its own way). `last4` counts UTF-16 code units in JavaScript and code points in DuckDB, the
 * same for every character below U+10000; a value with one above it goes to JavaScript. `year`
 * keeps four ASCII digits (`\d` without the `u` flag). `initials` (Unicode normalisation and
 * JavaScript's whitespace) is always computed by the gateway's code.
 */
function sqlMask(mask: Mask, s: string): { value: string; inJs: string } {
  switch (mask) {
    case 'last4':
      return {
        value: `CASE WHEN length(${s}) <= 4 THEN repeat('*', length(${s})) ELSE repeat('*', length(${s}) - 4) || right(${s}, 4) END`,
        inJs: `regexp_matches(${s}, '[\\x{10000}-\\x{10FFFF}]')`,
      };
    case 'year':
      return { value: `CASE WHEN regexp_matches(${s}, '^[0-9]{4}') THEN left(${s}, 4) END`, inJs: 'false' };
    case 'initials':
      return { value: 'NULL::VARCHAR', inJs: 'true' };
  }
}

/**
 * A version followed by the same key's next one in the batch ends where that one begins. Ordered
 * over three columns only: a window over the staged rows whole would sort every value with them.
 */
export const CLOSE_IN_BATCH = `UPDATE temp.stage SET _valid_to = n._next
  FROM (SELECT _position, lead(_valid_from) OVER (PARTITION BY _key ORDER BY _position) AS _next FROM temp.stage) n
  WHERE stage._position = n._position AND n._next IS NOT NULL`;

export interface Staging {
  /** Makes `temp.stage` from a batch's lines (`$1`): the base table's columns, plus `_deleted` and `_js`. */
  create: string;
  /** The base table's columns, as `temp.stage` names them too. */
  columns: string[];
  /** The fields kept masked beside their value. */
  masked: ResolvedField[];
}

/**
 * The statement that turns a batch into rows of the base table's shape, each line parsed once:
 * the values by one list of paths, the masks from them (`sqlMask`). `_js` marks the rows whose
 * masks the gateway's code must compute (`maskInJs`); `_valid_to` is set by `CLOSE_IN_BATCH`.
 */
export function stagingSql(fields: readonly ResolvedField[], plan: ShapePlan): Staging {
  const masked = fields.filter((f) => plan.masked.has(f.name));
  const value = (f: ResolvedField) => `_v[${FIRST_FIELD + fields.indexOf(f)}]`;
  const paths = ['$[0]', '$[1]', '$[2]', '$[3]', '$[4]', ...fields.map((f) => `$[5].${JSON.stringify(f.name)}`)];
  const masks = masked.map((f, k) => ({ f, type: `_t[${k + 1}]`, ...sqlMask(plan.masked.get(f.name)!, value(f)) }));
  const js = masks.length
    ? `coalesce(${masks.map((m) => `${m.type} NOT IN ('NULL', 'VARCHAR') OR (${m.type} = 'VARCHAR' AND ${m.inJs})`).join(' OR ')}, false)`
    : 'false';
  const selected = [
    ...fields.map((f) => `TRY_CAST(${value(f)} AS ${duckType(f)}) AS ${ident(f.name)}`),
    ...masks.map((m) => `${m.value} AS ${ident(maskedColumn(m.f.name))}`),
  ];
  const types = masked.length ? `, json_type(_l, [${masked.map((f) => literal(`$[5].${JSON.stringify(f.name)}`)).join(', ')}]) AS _t` : '';
  const create = `CREATE OR REPLACE TEMP TABLE stage AS
    SELECT _key, _version, _position, _valid_from, NULL::TIMESTAMPTZ AS _valid_to, _deleted,
      ${[...selected, `${js} AS _js`].join(', ')}
    FROM (SELECT _v[${KEY}] AS _key, _v[${VERSION}]::INTEGER AS _version, _v[${POSITION}]::BIGINT AS _position,
        _v[${AT}]::TIMESTAMPTZ AS _valid_from, _v[${DELETED}] = '1' AS _deleted, _v${masked.length ? ', _t' : ''}
      FROM (SELECT json_extract_string(_l, [${paths.map(literal).join(', ')}]) AS _v${types} FROM unnest(string_split($1, chr(10))) AS u(_l)))`;
  const columns = ['_key', '_version', '_position', '_valid_from', '_valid_to', ...fields.map((f) => f.name), ...masked.map((f) => maskedColumn(f.name))];
  return { create, columns, masked };
}

/**
 * A lone half of a surrogate pair — what `last4` leaves of a character above U+FFFF it cuts — as
 * U+FFFD: DuckDB holds UTF-8 text only, which has no form for it.
 */
const wellFormed = (s: string) => s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');

/** The masks SQL cannot provably compute, by the gateway's own shaping, for the rows `_js` marks (usually none). */
export async function maskInJs(s: Store, changes: readonly TextChange[], staging: Staging, plan: ShapePlan): Promise<void> {
  const rows = (await s.writer.runAndReadAll('SELECT _position FROM temp.stage WHERE _js')).getRows();
  if (rows.length === 0) return;
  const byPosition = new Map(changes.map((c) => [c.position, c]));
  const lines = rows.map(([p]) => {
    const c = byPosition.get(Number(p))!;
    const shaped = shapeRecord(JSON.parse(c.json!) as Record<string, unknown>, plan);
    const masks = staging.masked.map((f) => {
      const v = shaped[f.name];
      return typeof v === 'string' ? wellFormed(v) : null;
    });
    return JSON.stringify([c.position, masks]);
  });
  const paths = staging.masked.map((_, k) => literal(`$[1][${k}]`)).join(', ');
  await s.writer.run(
    `UPDATE temp.stage SET ${staging.masked.map((f, k) => `${ident(maskedColumn(f.name))} = j._m[${k + 1}]`).join(', ')}
      FROM (SELECT (_l->>'$[0]')::BIGINT AS _p, json_extract_string(_l, [${paths}]) AS _m FROM unnest(string_split($1, chr(10))) AS u(_l)) j
      WHERE stage._position = j._p`,
    [lines.join('\n')],
  );
}
