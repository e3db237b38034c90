import { Ajv, type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchema, FastifySchemaCompiler } from 'fastify';

/**
 * Two Ajv instances: query strings, path parameters and headers arrive as text
 * and are coerced ("50" → 50); JSON bodies are not, so `"full_name": 123` is
 * refused instead of silently becoming "123". Unknown fields are refused, not
 * dropped: a typo must not look like success. Every violation is reported.
 */
const common: Options = { removeAdditional: false, allErrors: true, useDefaults: true, strict: false };

function build(coerce: Options['coerceTypes']): Ajv {
  const ajv = new Ajv({ ...common, coerceTypes: coerce });
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  return ajv;
}

const bodies = build(false);
const textParts = build('array');

export const validatorCompiler: FastifySchemaCompiler<FastifySchema> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? bodies : textParts).compile(schema as object);
