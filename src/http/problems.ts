import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type FieldViolation, PROBLEMS, Problem } from '../core/errors.ts';
import { DatabaseUnavailableError, PG_CHECK_VIOLATION, PG_FOREIGN_KEY_VIOLATION, PG_UNIQUE_VIOLATION, pgErrorCode } from '../db/database.ts';

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** JSON types in Vietnamese words (a Vietnamese sentence names no English type). */
const TYPE_VI: Record<string, string> = {
  string: 'chuỗi ký tự',
  integer: 'số nguyên',
  number: 'số',
  boolean: 'giá trị đúng/sai ("true" hoặc "false")',
  object: 'đối tượng JSON',
  array: 'mảng JSON',
  null: 'giá trị "null"',
};
/** Formats in Vietnamese words; date-only values are Viet Nam calendar dates (src/core/time.ts). */
const FORMAT_VI: Record<string, string> = {
  date: 'ngày YYYY-MM-DD (lịch Việt Nam)',
  'date-time': 'thời điểm RFC 3339 có múi giờ',
  time: 'giờ RFC 3339',
  email: 'địa chỉ thư điện tử',
  uri: 'URI',
  uuid: 'UUID',
  ipv4: 'địa chỉ IPv4',
  ipv6: 'địa chỉ IPv6',
  hostname: 'tên miền',
};
const quoted = (v: unknown) => `"${String(v)}"`;
const typeVi = (t: unknown) =>
  String(t)
    .split(',')
    .map((x) => TYPE_VI[x] ?? quoted(x))
    .join(' hoặc ');

/** Vietnamese wording of the JSON-schema keywords a client can trip over. */
function vietnamese(e: AjvError): string {
  const p = e.params;
  switch (e.keyword) {
    case 'required':
      return `Thiếu trường bắt buộc "${String(p.missingProperty)}".`;
    case 'additionalProperties':
      return `Trường "${String(p.additionalProperty)}" không được chấp nhận.`;
    case 'type':
      return `Sai kiểu dữ liệu: cần ${typeVi(p.type)}.`;
    case 'enum':
      return `Giá trị không thuộc danh sách cho phép: ${(p.allowedValues as unknown[]).map(quoted).join(', ')}.`;
    case 'minLength':
      return `Độ dài tối thiểu là ${String(p.limit)}.`;
    case 'maxLength':
      return `Độ dài tối đa là ${String(p.limit)}.`;
    case 'minimum':
      return `Giá trị tối thiểu là ${String(p.limit)}.`;
    case 'maximum':
      return `Giá trị tối đa là ${String(p.limit)}.`;
    case 'pattern':
      return 'Giá trị không đúng định dạng.';
    case 'format':
      return `Giá trị không đúng định dạng ${FORMAT_VI[String(p.format)] ?? quoted(p.format)}.`;
    case 'minItems':
      return `Cần ít nhất ${String(p.limit)} phần tử.`;
    case 'maxItems':
      return `Tối đa ${String(p.limit)} phần tử.`;
    case 'uniqueItems':
      return 'Các phần tử không được trùng nhau.';
    case 'minProperties':
      return 'Cần ít nhất một trường.';
    default:
      return 'Giá trị không hợp lệ.';
  }
}

function violations(err: FastifyError): FieldViolation[] {
  const list = (err.validation ?? []) as unknown as AjvError[];
  const ctx = err.validationContext ?? 'body';
  return list.map((e) => {
    const extra = (e.params.additionalProperty ?? e.params.missingProperty) as string | undefined;
    return {
      path: `/${ctx}${e.instancePath}${extra ? `/${extra}` : ''}`,
      message: vietnamese(e),
      message_en:
        e.keyword === 'format' && e.params.format === 'date'
          ? `${e.message ?? 'must match format "date"'} (YYYY-MM-DD, a calendar date in Viet Nam, UTC+7)`
          : (e.message ?? e.keyword),
    };
  });
}

/** Maps anything thrown to a Problem; unknown errors become 500 without internals. */
export function toProblem(err: unknown): Problem {
  if (err instanceof Problem) return err;
  const fe = err as FastifyError;
  if (fe.validation) return new Problem(PROBLEMS.validation, { errors: violations(fe) });
  switch (fe.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new Problem(PROBLEMS.malformedJson, { detail_en: fe.message });
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new Problem(PROBLEMS.payloadTooLarge);
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new Problem(PROBLEMS.uriTooLong, {
        detail: 'Một tham số của đường dẫn dài quá 256 ký tự.',
        detail_en: 'A path parameter is longer than 256 characters.',
      });
    case 'FST_ERR_BAD_URL':
      return new Problem(PROBLEMS.badRequest, {
        detail: 'Đường dẫn không giải mã được (mã hoá phần trăm sai).',
        detail_en: 'The path cannot be decoded (bad percent-encoding).',
      });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new Problem(fe.statusCode === 415 ? PROBLEMS.unsupportedMediaType : PROBLEMS.badRequest, { detail_en: fe.message });
  }
  if (err instanceof DatabaseUnavailableError) {
    return new Problem(PROBLEMS.unavailable, {
      detail: 'Cơ sở dữ liệu tạm thời không truy cập được.',
      detail_en: 'The database is temporarily unreachable.',
      headers: { 'retry-after': '5' },
    });
  }
  if (fe instanceof SyntaxError && fe.statusCode === 400) return new Problem(PROBLEMS.malformedJson);
  switch (pgErrorCode(err)) {
    case PG_UNIQUE_VIOLATION:
      return new Problem(PROBLEMS.conflict, { detail: 'Mã đã tồn tại.', detail_en: 'The code already exists.' });
    case PG_FOREIGN_KEY_VIOLATION:
      return new Problem(PROBLEMS.unprocessable, {
        detail: 'Tham chiếu tới đối tượng không tồn tại.',
        detail_en: 'Reference to an object that does not exist.',
      });
    case PG_CHECK_VIOLATION:
      return new Problem(PROBLEMS.validation, { detail: 'Giá trị vi phạm ràng buộc dữ liệu.', detail_en: 'A value violates a data constraint.' });
  }
  // SQLSTATE class 22 (data exception): a value the database cannot hold — a NUL character, year 0, an overflow.
  if (pgErrorCode(err)?.startsWith('22')) {
    return new Problem(PROBLEMS.validation, {
      detail: 'Giá trị không lưu được (ký tự NUL, ngày ngoài phạm vi…).',
      detail_en: 'A value cannot be stored (NUL character, date out of range…).',
    });
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new Problem({ ...PROBLEMS.badRequest, status: fe.statusCode }, { detail_en: fe.message });
  }
  return new Problem(PROBLEMS.internal);
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, problem: Problem): FastifyReply {
  for (const [k, v] of Object.entries(problem.options.headers ?? {})) void reply.header(k, v);
  return reply
    .code(problem.status)
    .type('application/problem+json; charset=utf-8')
    .send(JSON.stringify(problem.body(request.url, String(request.id))));
}

/**
 * `notFound`, when given, may answer a request no route took (the web console's pages); it
 * returns null to leave it to the 404 problem.
 */
export function installProblemHandlers(app: FastifyInstance, notFound?: (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | null>): void {
  app.setErrorHandler((err, request, reply) => {
    const problem = toProblem(err);
    if (problem.status >= 500) request.log.error({ err }, 'request failed');
    else request.log.info({ problem: problem.kind.slug, status: problem.status }, 'request refused');
    return sendProblem(request, reply, problem);
  });
  const missing = (request: FastifyRequest, reply: FastifyReply) =>
    sendProblem(
      request,
      reply,
      new Problem(PROBLEMS.notFound, {
        detail: `Không có tài nguyên ${request.method} ${request.url.split('?')[0]}.`,
        detail_en: `No resource at ${request.method} ${request.url.split('?')[0]}.`,
      }),
    );
  app.setNotFoundHandler(notFound ? async (request, reply) => (await notFound(request, reply)) ?? missing(request, reply) : missing);
}
