/**
 * RFC 9457 problem details. Every error the platform returns is one of these
 * problem types: a stable `type` URI, a Vietnamese `title` (first, per the
 * product rules) and an English `title_en`. The catalogue below is also served
 * at `/problems/{slug}` so the `type` URI resolves to a human description.
 */
export interface ProblemType {
  slug: string;
  status: number;
  title: string;
  title_en: string;
}

function t(slug: string, status: number, title: string, title_en: string): ProblemType {
  return { slug, status, title, title_en };
}

export const PROBLEMS = {
  badRequest: t('bad-request', 400, 'Yêu cầu không hợp lệ', 'Bad request'),
  validation: t('validation-failed', 400, 'Dữ liệu gửi lên không hợp lệ', 'Request validation failed'),
  malformedJson: t('malformed-json', 400, 'Nội dung JSON không đúng cú pháp', 'Malformed JSON body'),
  invalidText: t('invalid-text', 400, 'Văn bản không phải Unicode hợp lệ', 'Text is not valid Unicode'),
  unauthenticated: t('unauthenticated', 401, 'Chưa xác thực hoặc phiên đã hết hạn', 'Not authenticated or session expired'),
  loginFailed: t('login-failed', 401, 'Tên đăng nhập hoặc mật khẩu không đúng', 'Invalid username or password'),
  mfaRequired: t('mfa-required', 401, 'Cần mã xác thực hai lớp (TOTP)', 'Two-factor code (TOTP) required'),
  mfaInvalid: t('mfa-invalid', 401, 'Mã xác thực hai lớp không đúng', 'Invalid two-factor code'),
  forbidden: t('forbidden', 403, 'Không có quyền thực hiện thao tác này', 'Not allowed to perform this action'),
  csrfFailed: t('csrf-failed', 403, 'Yêu cầu không mang mã chống giả mạo hợp lệ', 'Missing or invalid anti-forgery (CSRF) token'),
  notFound: t('not-found', 404, 'Không tìm thấy', 'Not found'),
  methodNotAllowed: t('method-not-allowed', 405, 'Phương thức không được hỗ trợ', 'Method not allowed'),
  notAcceptable: t('not-acceptable', 406, 'Không cung cấp được dữ liệu ở định dạng yêu cầu', 'Not acceptable'),
  requestTimeout: t('request-timeout', 408, 'Yêu cầu gửi quá chậm', 'Request timeout'),
  conflict: t('conflict', 409, 'Xung đột dữ liệu', 'Conflict'),
  enrolmentExpired: t(
    'enrolment-expired',
    410,
    'Liên kết kích hoạt tài khoản đã hết hạn hoặc đã được dùng',
    'The enrolment link has expired or was already used',
  ),
  versionMismatch: t('version-mismatch', 412, 'Bản ghi đã bị thay đổi bởi người khác', 'Record was changed by someone else'),
  payloadTooLarge: t('payload-too-large', 413, 'Nội dung gửi lên quá lớn', 'Payload too large'),
  uriTooLong: t('uri-too-long', 414, 'Đường dẫn hoặc tham số quá dài', 'URI too long'),
  unsupportedMediaType: t('unsupported-media-type', 415, 'Kiểu nội dung không được hỗ trợ', 'Unsupported media type'),
  unprocessable: t('rule-violation', 422, 'Vi phạm quy tắc nghiệp vụ', 'Business rule violated'),
  accountLocked: t('account-locked', 423, 'Tài khoản đang tạm bị khoá', 'Account temporarily locked'),
  tooManyRequests: t('too-many-requests', 429, 'Quá nhiều yêu cầu', 'Too many requests'),
  headersTooLarge: t('headers-too-large', 431, 'Phần tiêu đề của yêu cầu quá lớn', 'Request header fields too large'),
  internal: t('internal-error', 500, 'Lỗi hệ thống', 'Internal error'),
  badGateway: t('bad-gateway', 502, 'Hệ thống của cơ quan chủ quản trả lời lỗi', 'The custodian service failed'),
  unavailable: t('service-unavailable', 503, 'Dịch vụ tạm thời không sẵn sàng', 'Service unavailable'),
  gatewayTimeout: t('gateway-timeout', 504, 'Hệ thống của cơ quan chủ quản không trả lời kịp', 'The custodian service did not answer in time'),
} as const satisfies Record<string, ProblemType>;

export const PROBLEM_BASE = '/problems/';

export interface FieldViolation {
  path: string;
  message: string;
  message_en: string;
}

export interface ProblemOptions {
  detail?: string;
  detail_en?: string;
  /** Requirement id of the regulation rule that caused a refusal (e.g. `R-13.3`). */
  rule?: string;
  errors?: FieldViolation[];
  headers?: Record<string, string>;
  extra?: Record<string, unknown>;
}

/** An error that the HTTP layer turns into application/problem+json. */
export class Problem extends Error {
  constructor(
    readonly kind: ProblemType,
    readonly options: ProblemOptions = {},
  ) {
    super(options.detail_en ?? options.detail ?? kind.title_en);
    this.name = 'Problem';
  }

  get status(): number {
    return this.kind.status;
  }

  body(instance: string, requestId: string): Record<string, unknown> {
    const o = this.options;
    return {
      type: PROBLEM_BASE + this.kind.slug,
      title: this.kind.title,
      title_en: this.kind.title_en,
      status: this.kind.status,
      ...(o.detail !== undefined && { detail: o.detail }),
      ...(o.detail_en !== undefined && { detail_en: o.detail_en }),
      ...(o.rule !== undefined && { rule: o.rule }),
      ...(o.errors !== undefined && { errors: o.errors }),
      ...o.extra,
      instance,
      request_id: requestId,
    };
  }
}

export function notFound(what: string, whatEn: string, key: string): Problem {
  return new Problem(PROBLEMS.notFound, {
    detail: `Không tìm thấy ${what} "${key}".`,
    detail_en: `No ${whatEn} "${key}".`,
  });
}

export function forbidden(detail: string, detail_en: string, rule?: string): Problem {
  return new Problem(PROBLEMS.forbidden, { detail, detail_en, ...(rule && { rule }) });
}

export function conflict(detail: string, detail_en: string): Problem {
  return new Problem(PROBLEMS.conflict, { detail, detail_en });
}

export function invalid(path: string, message: string, message_en: string): Problem {
  return new Problem(PROBLEMS.validation, {
    detail: message,
    detail_en: message_en,
    errors: [{ path, message, message_en }],
  });
}

export function staleVersion(current: number): Problem {
  return new Problem(PROBLEMS.versionMismatch, {
    detail: `Phiên bản hiện tại là ${current}; hãy tải lại rồi sửa.`,
    detail_en: `Current version is ${current}; reload and edit again.`,
    extra: { current_version: current },
  });
}
