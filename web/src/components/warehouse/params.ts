import type { paths } from '../../api/schema.d.ts';
import { formatDate } from '../../time.ts';

export type SavedQuery = paths['/api/v1/warehouse/saved-queries']['get']['responses'][200]['content']['application/json'][number];
export type Parameter = SavedQuery['parameters'][number];
export type ParamType = Parameter['type'];
export type ParamValue = Exclude<Parameter['default'], undefined>;
export type ChartSpec = NonNullable<SavedQuery['chart']>;

/** String literals, quoted identifiers and comments: a `$` inside them is no placeholder. */
const NOT_CODE = /'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|\/\*[\s\S]*?\*\//g;
const PLACEHOLDER = /\$([A-Za-z_][A-Za-z0-9_]*)/g;

/** The `$name` placeholders of a SQL text, each once, in the order they first appear. */
export function placeholdersOf(sql: string): string[] {
  const code = sql.replace(NOT_CODE, ' ');
  return [...new Set([...code.matchAll(PLACEHOLDER)].map((m) => m[1]!))];
}

/**
 * The values a form sends: an empty input is left out so that the server takes the parameter's
 * default (or says which value is missing).
 */
export function filledValues(values: Record<string, ParamValue | undefined>): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const [name, v] of Object.entries(values)) if (v !== undefined && v !== '') out[name] = v;
  return out;
}

/** A value as the console writes it: a day as DD/MM/YYYY. */
export function shownValue(p: Parameter, v: ParamValue): string {
  return p.type === 'date' && typeof v === 'string' ? formatDate(v) : String(v);
}
