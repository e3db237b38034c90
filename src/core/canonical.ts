import canonicalizeModule from 'canonicalize';

/**
 * RFC 8785 JSON Canonicalization Scheme (the `canonicalize` package, by one of
 * the RFC's authors). Its typings declare an ESM default export while the
 * package is CommonJS (`module.exports = fn`); at run time Node's default
 * import is the function itself.
 */
const serialize = canonicalizeModule as unknown as (input: unknown) => string | undefined;

export function canonicalJson(value: unknown): string {
  const out = serialize(value);
  if (out === undefined) throw new Error('value has no JSON representation');
  return out;
}
