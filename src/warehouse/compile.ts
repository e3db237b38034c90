import { Problem, PROBLEMS } from '../core/errors.ts';
import type { DatasetAccess } from './access.ts';

/**
 * The analyst's SQL, checked on DuckDB's own parse tree (`json_serialize_sql`) against a whitelist
 * and compiled against the analyst's views. Nothing is matched on text: what DuckDB
 * would run is what is checked.
 *
 * - One statement, and a SELECT: `json_serialize_sql` serialises nothing else, so COPY, ATTACH,
 *   INSTALL/LOAD, SET, PRAGMA, EXPLAIN, DDL and DML are refused before anything runs.
 * - Every node must be of a known, harmless kind: table functions (`read_csv`, `read_parquet`,
 *   `query`, `duckdb_tables()`…), PIVOT, recursive CTEs, lambdas, time travel are refused.
 * - Every function must be on the list below (no `getenv`, `current_setting`, `query`…).
 * - Every table named must be one of the analyst's views, a code-list dimension, or a CTE of
 *   the statement, unqualified: no schema or catalog, so DuckDB's catalog views
 *   (`duckdb_tables`, `information_schema`…) and the base tables are out of reach. A CTE may not
 *   be named after DuckDB's own catalog views, where a reference outside its scope would land.
 * - A dataset its custodian restricted to aggregates is read only by a grouped count/sum/avg of
 *   plain columns; the compiled statement counts each group and withholds those under the
 *   threshold (small-cell suppression).
 */

const EXPRESSION_CLASSES = new Set([
  'COLUMN_REF',
  'CONSTANT',
  'FUNCTION',
  'COMPARISON',
  'CONJUNCTION',
  'OPERATOR',
  'CASE',
  'CAST',
  'BETWEEN',
  'SUBQUERY',
  'WINDOW',
  'STAR',
  'PARAMETER',
  'COLLATE',
  'POSITIONAL_REFERENCE',
]);

/** Query nodes, table references, modifiers and orderings a SELECT is made of. */
const NODE_TYPES = new Set([
  'SELECT_NODE',
  'SET_OPERATION_NODE',
  'CTE_NODE',
  'BASE_TABLE',
  'JOIN',
  'SUBQUERY',
  'EMPTY',
  'EXPRESSION_LIST',
  'ORDER_MODIFIER',
  'LIMIT_MODIFIER',
  'LIMIT_PERCENT_MODIFIER',
  'DISTINCT_MODIFIER',
  'ORDER_DEFAULT',
  'ASCENDING',
  'DESCENDING',
]);

const AGGREGATES_RESTRICTED = new Set(['count', 'count_star', 'sum', 'avg', 'mean']);
const AGGREGATES = new Set([
  ...AGGREGATES_RESTRICTED,
  'min',
  'max',
  'median',
  'mode',
  'stddev',
  'stddev_samp',
  'stddev_pop',
  'variance',
  'var_samp',
  'var_pop',
  'quantile_cont',
  'quantile_disc',
  'approx_count_distinct',
  'string_agg',
  'bool_and',
  'bool_or',
  'first',
  'last',
  'any_value',
  'arg_min',
  'arg_max',
  'corr',
  'covar_pop',
  'covar_samp',
  'regr_slope',
  'regr_intercept',
]);
const WINDOW_ONLY = new Set([
  'row_number',
  'rank',
  'dense_rank',
  'percent_rank',
  'cume_dist',
  'ntile',
  'lag',
  'lead',
  'first_value',
  'last_value',
  'nth_value',
]);
const SCALARS = new Set([
  // operators
  '+',
  '-',
  '*',
  '/',
  '//',
  '%',
  '^',
  '**',
  '||',
  '~~',
  '!~~',
  '~~*',
  '!~~*',
  '~~~',
  'like_escape',
  'ilike_escape',
  'not_like_escape',
  // text
  'lower',
  'upper',
  'length',
  'strlen',
  'substring',
  'substr',
  'left',
  'right',
  'trim',
  'ltrim',
  'rtrim',
  'replace',
  'concat',
  'concat_ws',
  'contains',
  'starts_with',
  'ends_with',
  'prefix',
  'suffix',
  'position',
  'strpos',
  'instr',
  'lpad',
  'rpad',
  'reverse',
  'split_part',
  'regexp_matches',
  'regexp_replace',
  'regexp_extract',
  'strip_accents',
  'nfc_normalize',
  'format',
  'printf',
  'repeat',
  // numbers
  'abs',
  'round',
  'floor',
  'ceil',
  'ceiling',
  'trunc',
  'sign',
  'sqrt',
  'power',
  'pow',
  'ln',
  'log',
  'log10',
  'log2',
  'exp',
  'greatest',
  'least',
  'mod',
  // dates and times
  'date_part',
  'datepart',
  'date_trunc',
  'datetrunc',
  'date_diff',
  'datediff',
  'date_sub',
  'datesub',
  'date_add',
  'strftime',
  'strptime',
  'year',
  'month',
  'day',
  'quarter',
  'week',
  'weekofyear',
  'dayofweek',
  'isodow',
  'dayofyear',
  'hour',
  'minute',
  'second',
  'epoch',
  'make_date',
  'make_timestamp',
  'last_day',
  'age',
  'to_days',
  'to_months',
  'to_years',
  'to_hours',
  'to_minutes',
  'to_seconds',
  'current_date',
  'today',
  'now',
  'get_current_timestamp',
  'current_timestamp',
  // conditionals and lists
  'coalesce',
  'nullif',
  'ifnull',
  'if',
  'list_value',
  'struct_pack',
  'array_length',
  'len',
  'list_contains',
  'typeof',
]);
const isAllowedFunction = (name: string, restricted: boolean) =>
  SCALARS.has(name) || (restricted ? AGGREGATES_RESTRICTED.has(name) : AGGREGATES.has(name) || WINDOW_ONLY.has(name));

/** DuckDB's own catalog views and schemas: a CTE named after one would reach it outside its scope. */
const CATALOG_NAME = /^(duckdb_|pg_|sqlite_|pragma_|information_schema|main$|temp$|system$|base$|dim$|meta$)/;

export interface CompileContext {
  datasets: ReadonlyMap<string, DatasetAccess>;
  dimensions: ReadonlySet<string>;
}

export interface Compiled {
  /** The statement's parse tree, rewritten: what will be turned back into SQL and run. */
  ast: unknown;
  /** Datasets the statement reads, by view name. */
  datasets: DatasetAccess[];
  dimensions: string[];
  /** Named parameters ($name). */
  parameters: string[];
  /** Small-cell suppression: the count column added and the least group size shown. */
  suppression: { column: string; minCell: number } | null;
}

const COUNT_COLUMN = '__lt_group_size';

/** An escape attempt or a statement outside what the warehouse answers: 403 naming the rule. */
function refusal(detail: string, detail_en: string): Problem {
  return new Problem(PROBLEMS.forbidden, { detail, detail_en, rule: 'R-7.3' });
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `serialized`: the parsed output of `json_serialize_sql` for the analyst's text. */
export function compile(serialized: unknown, ctx: CompileContext): Compiled {
  if (!isObj(serialized)) throw refusal('Không phân tích được câu truy vấn.', 'The query could not be parsed.');
  if (serialized.error) {
    const msg = String(serialized.error_message ?? '');
    if (/only select statements/i.test(msg))
      throw refusal(
        'Kho dữ liệu chỉ trả lời một câu lệnh SELECT; các lệnh khác (COPY, ATTACH, INSTALL, LOAD, SET, PRAGMA, EXPLAIN, thay đổi dữ liệu) bị từ chối.',
        'The warehouse answers a single SELECT statement; anything else (COPY, ATTACH, INSTALL, LOAD, SET, PRAGMA, EXPLAIN, changes) is refused.',
      );
    // The parser's message quotes only the analyst's own text.
    throw new Problem(PROBLEMS.badRequest, { detail: `Câu truy vấn sai cú pháp: ${msg}`, detail_en: `Syntax error: ${msg}` });
  }
  const statements = serialized.statements;
  if (!Array.isArray(statements) || statements.length !== 1)
    throw refusal('Mỗi lần chỉ được gửi đúng một câu lệnh SELECT.', 'Send exactly one SELECT statement at a time.');
  const statement = statements[0] as Json;
  const node = statement.node as Json;

  const cteNames = new Set<string>();
  const used = new Map<string, DatasetAccess>();
  const dims = new Set<string>();
  const parameters = new Set<string>();
  let hasSubquery = false;
  let hasWindow = false;
  let hasStar = false;

  const restrictedAnywhere = () => [...used.values()].some((d) => d.aggregatesOnly);

  // First pass: CTE names (refs to them are checked in the second).
  const collectCtes = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(collectCtes);
    else if (isObj(v)) {
      const map = (v.cte_map as Json | undefined)?.map;
      if (Array.isArray(map))
        for (const e of map as Json[]) {
          const name = String(e.key).toLowerCase();
          if (CATALOG_NAME.test(name) || name.startsWith('__lt'))
            throw refusal(`Tên bảng tạm "${name}" trùng tên dành riêng của hệ thống.`, `The CTE name "${name}" is reserved.`);
          cteNames.add(name);
        }
      Object.values(v).forEach(collectCtes);
    }
  };
  collectCtes(node);

  const visit = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(visit);
    if (!isObj(v)) return;
    if (typeof v.class === 'string') {
      if (!EXPRESSION_CLASSES.has(v.class)) throw refusal(`Không được dùng biểu thức loại ${v.class}.`, `Expressions of kind ${v.class} are not allowed.`);
      if (v.class === 'SUBQUERY') hasSubquery = true;
      if (v.class === 'WINDOW') hasWindow = true;
      if (v.class === 'STAR') {
        hasStar = true;
        if (v.columns === true || v.expr !== null) throw refusal('Không được dùng COLUMNS(…).', 'COLUMNS(…) is not allowed.');
      }
      if (v.class === 'PARAMETER') {
        const id = String(v.identifier ?? '');
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(id)) throw refusal('Tham số phải được đặt tên ($ten).', 'Parameters must be named ($name).');
        parameters.add(id);
      }
      if (v.class === 'FUNCTION' || v.class === 'WINDOW') {
        const name = String(v.function_name ?? '').toLowerCase();
        if ((v.schema ?? '') !== '' || (v.catalog ?? '') !== '' || v.export_state === true || !isAllowedFunction(name, false))
          throw refusal(`Không được dùng hàm "${name}".`, `The function "${name}" is not allowed.`);
      }
      if (typeof v.alias === 'string' && v.alias.toLowerCase().startsWith('__lt'))
        throw refusal('Tên cột bắt đầu bằng "__lt" là tên dành riêng.', 'Column names starting with "__lt" are reserved.');
    } else if (typeof v.type === 'string') {
      if (!NODE_TYPES.has(v.type)) throw refusal(`Không được dùng cấu trúc ${v.type}.`, `The construct ${v.type} is not allowed.`);
      if (v.type === 'SUBQUERY') hasSubquery = true;
      if (v.type === 'BASE_TABLE') {
        const name = String(v.table_name ?? '').toLowerCase();
        const qualified = (v.schema_name ?? '') !== '' || (v.catalog_name ?? '') !== '';
        if (qualified || (v.at_clause ?? null) !== null)
          throw refusal(
            `Chỉ được đọc các bảng được cấp quyền, viết tên không kèm lược đồ: "${name}" không được phép.`,
            `Only the granted tables may be read, named without a schema: "${name}" is not allowed.`,
          );
        const d = ctx.datasets.get(name);
        if (d) used.set(name, d);
        else if (ctx.dimensions.has(name)) dims.add(name);
        else if (!cteNames.has(name))
          // The same answer whether the table exists or not: nothing is revealed of what is outside the grant.
          throw refusal(`Bảng "${name}" không có trong phạm vi được cấp quyền của cơ quan.`, `The table "${name}" is not within what the agency is granted.`);
      }
    }
    // A constant's value and a cast's type are data, not syntax (a DECIMAL's type info has a `type` of its own).
    for (const [k, child] of Object.entries(v)) if (!(typeof v.class === 'string' && (k === 'value' || k === 'cast_type'))) visit(child);
  };
  visit(node);
  if (isObj(statement.named_param_map) || Array.isArray(statement.named_param_map)) visit(statement.named_param_map);

  let suppression: Compiled['suppression'] = null;
  if (restrictedAnywhere()) suppression = restrict(node, used, dims, { hasSubquery, hasWindow, hasStar, ctes: cteNames.size });

  return { ast: serialized, datasets: [...used.values()], dimensions: [...dims], parameters: [...parameters], suppression };
}

/**
 * a dataset restricted to aggregates answers only `SELECT <group keys>, count/sum/avg(<column>)
 * FROM <it> [JOIN <code lists>] [WHERE …] GROUP BY …`: no row, no window, no subquery, no other
 * dataset, no expression inside an aggregate (a CASE there would single out one record). The
 * count of records of each group is added to the statement; groups under the threshold are withheld.
 */
function restrict(
  node: Json,
  used: Map<string, DatasetAccess>,
  dims: Set<string>,
  shape: { hasSubquery: boolean; hasWindow: boolean; hasStar: boolean; ctes: number },
): { column: string; minCell: number } {
  const no = (vi: string, en: string) =>
    refusal(`Bộ dữ liệu chỉ được khai thác dưới dạng số liệu tổng hợp: ${vi}.`, `The dataset is restricted to aggregates: ${en}.`);
  if (node.type !== 'SELECT_NODE') throw no('không dùng UNION, INTERSECT, EXCEPT', 'no UNION, INTERSECT, EXCEPT');
  if (shape.ctes || shape.hasSubquery) throw no('không dùng truy vấn con hay WITH', 'no subquery or WITH');
  if (shape.hasWindow || node.qualify) throw no('không dùng hàm cửa sổ', 'no window function');
  if (shape.hasStar) throw no('không dùng SELECT *', 'no SELECT *');
  if (used.size > 1) throw no('không kết hợp với bộ dữ liệu khác', 'not joined with another dataset');
  void dims;
  let aggregates = 0;
  const check = (v: unknown, inAggregate: boolean): void => {
    if (Array.isArray(v)) return v.forEach((x) => check(x, inAggregate));
    if (!isObj(v)) return;
    if (v.class === 'FUNCTION') {
      const name = String(v.function_name).toLowerCase();
      if (AGGREGATES.has(name)) {
        if (!AGGREGATES_RESTRICTED.has(name)) throw no(`chỉ dùng count, sum, avg (không dùng ${name})`, `only count, sum, avg (not ${name})`);
        if (inAggregate) throw no('không lồng hàm tổng hợp', 'no nested aggregate');
        const args = (v.children as unknown[]) ?? [];
        if (!args.every((a) => isObj(a) && a.class === 'COLUMN_REF') || v.filter)
          throw no('đối số của hàm tổng hợp phải là một cột', 'the argument of an aggregate must be a column');
        aggregates += 1;
        return;
      }
    }
    for (const child of Object.values(v)) check(child, inAggregate);
  };
  check(node.select_list, false);
  check(node.having, false);
  check(node.modifiers, false);
  const grouped = (node.group_expressions as unknown[]).length > 0 || node.aggregate_handling === 'FORCE_AGGREGATES';
  if (!grouped && aggregates === 0) throw no('câu truy vấn phải tính count, sum hoặc avg', 'the query must compute count, sum or avg');
  // The size of each group, read by the wrapper that withholds small groups (query.ts).
  (node.select_list as unknown[]).push({
    class: 'FUNCTION',
    type: 'FUNCTION',
    alias: COUNT_COLUMN,
    query_location: 0,
    function_name: 'count_star',
    schema: '',
    children: [],
    filter: null,
    order_bys: { type: 'ORDER_MODIFIER', orders: [] },
    distinct: false,
    is_operator: false,
    export_state: false,
    catalog: '',
  });
  const minCell = Math.max(...[...used.values()].filter((d) => d.aggregatesOnly).map((d) => d.minCell));
  return { column: COUNT_COLUMN, minCell };
}
