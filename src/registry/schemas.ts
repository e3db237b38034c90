import { Type } from 'typebox';
import { NullableString, Timestamp, VietnamDate, VietnamDateOut } from '../http/schemas.ts';
import { AGENCY_KINDS } from './agencies.ts';
import { ROLES } from './principal.ts';

const NameVi = Type.String({ minLength: 1, maxLength: 300, description: 'Tên tiếng Việt (NFC)' });
const NameEn = Type.String({ minLength: 1, maxLength: 300, description: 'English name' });
export const AgencyCode = Type.String({ pattern: '^[A-Z][A-Z0-9]{1,31}$', description: 'Mã cơ quan, ví dụ BTCTW / Agency code, e.g. BTCTW' });
export const SystemCode = Type.String({ pattern: '^[A-Z][A-Z0-9-]{1,63}$', description: 'Mã hệ thống, ví dụ BTCTW-QLDV / System code, e.g. BTCTW-QLDV' });
const Username = Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{2,63}$' });
const Kind = Type.Union(AGENCY_KINDS.map((k) => Type.Literal(k)));
const Role = Type.Union(ROLES.map((r) => Type.Literal(r)));
const Zone = Type.Union([Type.Literal('internet'), Type.Literal('tslcd')], {
  description: '"internet" hoặc "tslcd" (mạng truyền số liệu chuyên dùng) / "internet", or "tslcd": the dedicated data network (R-12.2)',
});
const SecurityLevel = Type.Integer({
  minimum: 1,
  maximum: 5,
  description:
    'Cấp độ an toàn hệ thống thông tin 1–5; tham gia chia sẻ cần cấp độ 3 trở lên / Information-security level 1–5; sharing requires level 3 or higher (R-13.3)',
});
const EncryptionKey = Type.Union([
  Type.Object({ kty: Type.String() }, { additionalProperties: true, description: 'Public JWK for JWE (R-11): EC P-256/384/521, RSA ≥ 2048, OKP X25519/X448' }),
  Type.Null(),
]);
const BaseUrl = Type.Union([Type.String({ format: 'uri', maxLength: 2000, pattern: '^https?://' }), Type.Null()]);

export const Agency = Type.Object({
  code: Type.String(),
  name_vi: Type.String(),
  name_en: Type.String(),
  kind: Type.String(),
  parent_code: NullableString(),
  central_office: Type.Boolean({ description: 'One of the 4 Central Offices (Art. 10)' }),
  status: Type.String(),
  version: Type.Integer(),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const AgencyCreate = Type.Object(
  {
    code: AgencyCode,
    name_vi: NameVi,
    name_en: NameEn,
    kind: Kind,
    parent_code: Type.Optional(Type.Union([AgencyCode, Type.Null()])),
    central_office: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const AgencyPatch = Type.Object(
  {
    name_vi: Type.Optional(NameVi),
    name_en: Type.Optional(NameEn),
    kind: Type.Optional(Kind),
    parent_code: Type.Optional(Type.Union([AgencyCode, Type.Null()])),
    central_office: Type.Optional(Type.Boolean()),
    status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('retired')])),
  },
  { additionalProperties: false, minProperties: 1 },
);

/** the coordinator's decision approving a system's security level. */
export const SecurityLevelDecision = Type.Object({
  id: Type.String(),
  system_code: Type.String(),
  security_level: Type.Integer(),
  decision_number: Type.String(),
  decided_on: VietnamDateOut('Ngày quyết định / Date of the decision'),
  issuer: Type.String(),
  document_reference: Type.String(),
  recorded_by: Type.String(),
  recorded_at: Timestamp,
});

export const SecurityLevelDecisionCreate = Type.Object(
  {
    security_level: SecurityLevel,
    decision_number: Type.String({ minLength: 1, maxLength: 100, description: 'Số quyết định / Decision number, e.g. 123/QĐ-VPTW' }),
    decided_on: VietnamDate('Ngày ký quyết định, không sau hôm nay / Date the decision was signed, not after today'),
    issuer: Type.String({ minLength: 1, maxLength: 300, description: 'Cơ quan, người ký quyết định / Who issued the decision' }),
    document_reference: Type.String({
      minLength: 1,
      maxLength: 500,
      description: 'Số hồ sơ, đường dẫn văn bản / Reference of the document (file number or link)',
    }),
  },
  { additionalProperties: false },
);

export const InformationSystem = Type.Object({
  code: Type.String(),
  agency_code: Type.String(),
  name_vi: Type.String(),
  name_en: Type.String(),
  security_level: Type.Integer({ description: 'Cấp độ chủ quản khai báo / The level the owner declares (R-13.3)' }),
  approved_security_level: Type.Union([Type.Integer(), Type.Null()], {
    description: 'Cấp độ đã được phê duyệt bằng quyết định / The level a decision approved (R-13.3)',
  }),
  effective_security_level: Type.Union([Type.Integer(), Type.Null()], {
    description: 'Cấp độ có hiệu lực: cấp khai báo, không vượt cấp đã phê duyệt / The level in effect: the declared one, capped by the approved one (R-13.3)',
  }),
  security_level_pending: Type.Boolean({
    description: 'Cấp độ khai báo (≥ 3) đang chờ quyết định phê duyệt / A declared level (≥ 3) waits for its approving decision',
  }),
  security_level_decision: Type.Union([SecurityLevelDecision, Type.Null()], { description: 'Quyết định gần nhất / The latest decision' }),
  zone: Type.String(),
  base_url: NullableString(),
  status: Type.String(),
  encryption_key: EncryptionKey,
  sharing_allowed: Type.Boolean(),
  sharing_refusal: Type.Union([Type.Object({ rule: Type.String(), reason: Type.String(), reason_en: Type.String() }), Type.Null()]),
  version: Type.Integer(),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const SystemCreate = Type.Object(
  {
    code: SystemCode,
    agency_code: AgencyCode,
    name_vi: NameVi,
    name_en: NameEn,
    security_level: SecurityLevel,
    zone: Zone,
    base_url: Type.Optional(BaseUrl),
    encryption_key: Type.Optional(EncryptionKey),
  },
  { additionalProperties: false },
);

export const SystemPatch = Type.Object(
  {
    agency_code: Type.Optional(AgencyCode),
    name_vi: Type.Optional(NameVi),
    name_en: Type.Optional(NameEn),
    security_level: Type.Optional(SecurityLevel),
    zone: Type.Optional(Zone),
    base_url: Type.Optional(BaseUrl),
    encryption_key: Type.Optional(EncryptionKey),
    status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('suspended'), Type.Literal('retired')])),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const User = Type.Object({
  username: Type.String(),
  full_name: Type.String(),
  email: NullableString(),
  agency_code: Type.String(),
  roles: Type.Array(Type.String()),
  status: Type.String(),
  mfa_enabled: Type.Boolean(),
  locked_until: Type.Union([Timestamp, Type.Null()], { description: 'sign-ins refused (423) until then, after too many failures; null when not locked' }),
  version: Type.Integer(),
  created_at: Timestamp,
  updated_at: Timestamp,
});

const Roles = Type.Array(Role, { minItems: 1, maxItems: 5, uniqueItems: true });
const Email = Type.Union([Type.String({ format: 'email', maxLength: 254 }), Type.Null()]);

export const UserCreate = Type.Object(
  {
    username: Username,
    full_name: Type.String({ minLength: 1, maxLength: 200 }),
    email: Type.Optional(Email),
    agency_code: AgencyCode,
    roles: Roles,
  },
  {
    additionalProperties: false,
    description:
      'Không có mật khẩu hay khoá TOTP: người được tạo tự đặt qua liên kết kích hoạt / No password or TOTP secret: the official sets their own through the enrolment link',
  },
);

export const UserPatch = Type.Object(
  {
    full_name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    email: Type.Optional(Email),
    agency_code: Type.Optional(AgencyCode),
    roles: Type.Optional(Roles),
    status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('disabled')])),
  },
  { additionalProperties: false, minProperties: 1 },
);

const EnrolmentLink = Type.Object({
  url: Type.String({ description: 'Liên kết kích hoạt, dùng một lần, hiệu lực 72 giờ / Single-use enrolment link, valid 72 h: <public url>/enrol/<token>' }),
  expires_at: Timestamp,
});

/** An official created, or whose credentials were reset: the enrolment link, nothing secret. */
export const InvitedUser = Type.Object({ user: User, enrolment: EnrolmentLink });

export const EnrolmentToken = Type.Object({ token: Type.String({ minLength: 10, maxLength: 100 }) });

export const EnrolmentView = Type.Object({
  username: Type.String(),
  full_name: Type.String(),
  agency_code: Type.String(),
  roles: Type.Array(Type.String()),
  purpose: Type.String({ description: '"create" (new account) or "reset" (credentials reset)' }),
  expires_at: Timestamp,
  totp_secret: Type.String({ description: 'Khoá TOTP chờ xác nhận (base32) / The pending TOTP secret (base32), generated on the first view' }),
  otpauth_uri: Type.String(),
});

export const EnrolmentCompletion = Type.Object(
  {
    password: Type.String({ minLength: 12, maxLength: 256 }),
    totp: Type.String({ pattern: '^[0-9]{6}$', description: 'A current code of the authenticator holding the pending secret (R-13.3)' }),
  },
  { additionalProperties: false },
);

export const SecurityEvent = Type.Object({
  id: Type.String(),
  at: Timestamp,
  kind: Type.String(),
  actor: Type.String(),
  username: Type.String(),
  client_address: NullableString(),
  detail: Type.Record(Type.String(), Type.Unknown()),
});

export const LoginBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 64 }),
    password: Type.String({ minLength: 1, maxLength: 256 }),
    totp: Type.Optional(Type.String({ pattern: '^[0-9]{6}$', description: 'TOTP code (RFC 6238); required for every role (R-13.3)' })),
  },
  { additionalProperties: false },
);

export const LoginResult = Type.Object({ token: Type.String(), token_type: Type.Literal('Bearer'), expires_at: Timestamp });

export const Me = Type.Object({
  username: Type.String(),
  full_name: Type.String(),
  agency: Type.Object({ code: Type.String(), name_vi: Type.String(), name_en: Type.String() }),
  roles: Type.Array(Type.String()),
  mfa_enabled: Type.Boolean(),
  session_expires_at: Timestamp,
});
