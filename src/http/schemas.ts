import { Type, type TObject, type TProperties, type TSchema } from 'typebox';

/** Shared schema pieces; route schemas also produce the OpenAPI document. */
export const Problem = Type.Object(
  {
    type: Type.String({ description: 'Stable problem type URI (resolves to /problems/{slug})' }),
    title: Type.String({ description: 'Tiêu đề (tiếng Việt)' }),
    title_en: Type.String({ description: 'Title (English)' }),
    status: Type.Integer(),
    detail: Type.Optional(Type.String()),
    detail_en: Type.Optional(Type.String()),
    rule: Type.Optional(Type.String({ description: 'Requirement id of the regulation rule, e.g. R-13.3' })),
    errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String(), message_en: Type.String() }))),
    instance: Type.String(),
    request_id: Type.String(),
  },
  { $id: 'Problem', description: 'RFC 9457 problem details (application/problem+json)', additionalProperties: true },
);

const ProblemRef = Type.Ref('Problem');

/** Error responses every authenticated route can give. */
export function errors(...codes: number[]): Record<number, TSchema> {
  const out: Record<number, TSchema> = {};
  for (const c of codes) {
    out[c] = Type.Unsafe({ description: 'Problem details / Lỗi', content: { 'application/problem+json': { schema: ProblemRef } } });
  }
  return out;
}

/**
 * A query string's schema; unknown parameters are refused (a typo must not look like success).
 * A parameter with a `default` is optional to the caller — validation fills it in (`useDefaults`) —
 * so it is left out of `required`, which is what the OpenAPI document marks required; the handler's
 * type keeps it non-optional, as it is on every request that passed validation.
 */
export function QueryString<P extends TProperties>(properties: P): TObject<P> {
  const schema = Type.Object(properties, { additionalProperties: false });
  const required = (schema.required as string[] | undefined)?.filter((name) => !('default' in properties[name]!)) ?? [];
  if (required.length > 0) Object.assign(schema, { required });
  else delete (schema as { required?: unknown }).required;
  return schema;
}

/** Spread into a `QueryString`: both have defaults, so neither is required. */
export const Pagination = {
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
};

export function pageOf(item: TSchema) {
  return Type.Object({
    items: Type.Array(item),
    total: Type.Integer(),
    limit: Type.Integer(),
    offset: Type.Integer(),
  });
}

/** Services hand out Date objects; the serializer writes them as RFC 3339 UTC strings. */
export const Timestamp = Type.Unsafe<Date | string>({ type: 'string', format: 'date-time' });
export const NullableString = () => Type.Union([Type.String(), Type.Null()]);

/**
 * How every date-only field reads (src/core/time.ts `vietnamDate`): a calendar date in Viet Nam,
 * compared with today's date there — which begins at 17:00 UTC, so at 20:00 UTC it is already tomorrow.
 */
export const VIETNAM_DATE_RULE =
  'YYYY-MM-DD, ngày theo lịch Việt Nam (UTC+7) / YYYY-MM-DD, a calendar date in Viet Nam (Asia/Ho_Chi_Minh, UTC+7, no daylight saving): ' +
  '"today" there begins at 17:00 UTC, so at 20:00 UTC it is already the next day.';

/** A date-only request field: `what` is its "vi / en" meaning; the Viet Nam date rule follows. */
export const VietnamDate = (what: string) => Type.String({ format: 'date', description: `${what}. ${VIETNAM_DATE_RULE}` });
/** The same rule on a date-only response field (a string as stored, so no format conversion). */
export const VietnamDateOut = (what: string) => Type.String({ description: `${what}. ${VIETNAM_DATE_RULE}` });

export const HistoryEntry = Type.Object({
  id: Type.String(),
  entity: Type.String(),
  entity_key: Type.String(),
  action: Type.String(),
  actor: Type.String(),
  at: Timestamp,
  reason: Type.Union([Type.String(), Type.Null()]),
  changes: Type.Record(Type.String(), Type.Object({ from: Type.Unknown(), to: Type.Unknown() })),
});

/** `If-Match: "3"` carries the version an edit is based on (optimistic concurrency). */
export const IfMatchHeaders = Type.Object({
  'if-match': Type.Optional(Type.String({ pattern: '^(W/)?"?[0-9]{1,9}"?$', description: 'Version the edit is based on, from the ETag' })),
});

export function versionFromIfMatch(h: string | undefined): number | undefined {
  if (!h) return undefined;
  return Number(h.replace(/^W\//, '').replace(/"/g, ''));
}

export const BearerSecurity = [{ bearerAuth: [] }];
/**
 * An official's session as a bearer token (scripts) or as the console's cookie. Every `/api/`
 * route that takes `bearerAuth` takes the cookie too (the security scheme says so); only the
 * console's own session routes name it.
 */
export const SessionSecurity: Record<string, string[]>[] = [{ bearerAuth: [] }, { consoleCookie: [] }];
