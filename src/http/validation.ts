import { Ajv, type Options, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchema, FastifySchemaCompiler } from 'fastify';
import SerializerSelector from '@fastify/fast-json-stringify-compiler';

type SerializerFactory = ReturnType<typeof SerializerSelector>;

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

/**
 * Each route's validator is compiled by Ajv on the route's first request, not at start: compiling
 * every schema of every route costs a third of a second of each start (CPU profile of buildServer),
 * most of it for routes a given instance may never serve. Fastify reads `errors` off the function.
 */
export const validatorCompiler: FastifySchemaCompiler<FastifySchema> = ({ schema, httpPart }) => {
  const ajv = httpPart === 'body' ? bodies : textParts;
  let compiled: ValidateFunction | undefined;
  const validate = (data: unknown): boolean => {
    compiled ??= ajv.compile(schema as object);
    const ok = compiled(data) as boolean;
    validate.errors = compiled.errors;
    return ok;
  };
  validate.errors = null as ValidateFunction['errors'];
  return validate;
};

/**
 * Response serializers (fast-json-stringify, which also keeps undeclared fields out of answers)
 * built on a route's first answer with each status, for the same reason as the validators: built
 * at start, they cost a quarter of a second of each one. Fastify's own factory, made lazy.
 */
export function lazySerializers(): { buildSerializer: SerializerFactory } {
  const eager = SerializerSelector();
  return {
    buildSerializer(externalSchemas?: unknown, options?: Parameters<SerializerFactory>[1]) {
      const compile = eager(externalSchemas, options);
      return (route: Parameters<typeof compile>[0]) => {
        let serialize: ReturnType<typeof compile> | undefined;
        return (data: unknown) => (serialize ??= compile(route))(data);
      };
    },
  };
}
