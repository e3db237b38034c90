import type { FastifyInstance, FastifyRequest } from 'fastify';
import { PROBLEMS, Problem } from '../core/errors.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
/** A JSON escape of a UTF-16 surrogate (\uD800–\uDFFF): only then can a parsed string hold a lone one. */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;
/** A high surrogate not followed by a low one, or a low one not preceded by a high one (code units: no `u` flag). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const wellFormed = (s: string) => !LONE_SURROGATE.test(s);

function invalidText(detail: string, detail_en: string, path?: string): Problem {
  return new Problem(PROBLEMS.invalidText, {
    detail,
    detail_en,
    ...(path !== undefined && {
      errors: [{ path, message: 'Chuỗi chứa nửa cặp thay thế UTF-16 đơn lẻ.', message_en: 'The string holds a lone UTF-16 surrogate.' }],
    }),
  });
}

/** The body as text, or a 400: bytes that are not UTF-8 are refused, never replaced with U+FFFD. */
export function decodeUtf8(body: Buffer): string {
  try {
    return utf8.decode(body);
  } catch {
    throw invalidText('Nội dung gửi lên không phải UTF-8 hợp lệ.', 'The body is not valid UTF-8.');
  }
}

/** JSON Pointer of the first string (or member name) holding a lone surrogate, if any. */
function loneSurrogateAt(value: unknown, path = ''): string | null {
  if (typeof value === 'string') return wellFormed(value) ? null : path || '/';
  if (typeof value !== 'object' || value === null) return null;
  for (const [k, v] of Object.entries(value)) {
    const here = `${path}/${k.replaceAll('~', '~0').replaceAll('/', '~1')}`;
    if (!wellFormed(k)) return here;
    const found = loneSurrogateAt(v, here);
    if (found) return found;
  }
  return null;
}

/**
 * JSON bodies, for the whole application: UTF-8 checked strictly, then Fastify's own parser
 * (prototype-poisoning protection included), then no string may hold a lone surrogate
 * ("\ud800" is valid JSON but no Unicode text: PostgreSQL would store it as U+FFFD, silently
 * changing what was sent, in tables whose history is append-only). CSV bodies are checked as UTF-8 too.
 */
export function installTextParsers(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req: FastifyRequest, body: Buffer, done) => {
    let text: string;
    try {
      text = decodeUtf8(body);
    } catch (err) {
      return done(err as Error, undefined);
    }
    parseJson(req, text, (err, value) => {
      if (err) return done(err, undefined);
      const at = SURROGATE_ESCAPE.test(text) ? loneSurrogateAt(value) : null;
      if (at !== null)
        return done(
          invalidText(
            'Văn bản chứa ký tự không hợp lệ (nửa cặp thay thế UTF-16 đơn lẻ).',
            'Text holds an invalid character (a lone UTF-16 surrogate).',
            `/body${at === '/' ? '' : at}`,
          ),
          undefined,
        );
      done(null, value);
    });
  });
}
