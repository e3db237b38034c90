import { Type } from 'typebox';
import { NullableString, Timestamp } from '../http/schemas.ts';
import { AgencyCode, SystemCode } from '../registry/index.ts';
import { MAX_GRACE_SECONDS } from './service.ts';

export const Reason = Type.String({ minLength: 3, maxLength: 500, description: 'Lý do (ghi vào lịch sử) / reason, kept in the history' });
const Uuid = Type.String({ format: 'uuid' });
const AuthMethod = Type.Union([Type.Literal('client_secret'), Type.Literal('private_key_jwt')], {
  description:
    'client_secret: client_secret_basic or client_secret_post; private_key_jwt: RFC 7523 assertions signed with a registered key (ES256, PS256, EdDSA)',
});
const Jwk = Type.Record(Type.String(), Type.Unknown(), { description: 'Public JWK (EC P-256, RSA ≥ 2048 bits, OKP Ed25519)' });
export const Jwks = Type.Object({ keys: Type.Array(Jwk, { minItems: 1, maxItems: 10 }) }, { additionalProperties: false });

export const Account = Type.Object({
  client_id: Type.String(),
  system_code: Type.String(),
  agency_code: Type.String({ description: "The system's agency" }),
  name: Type.String(),
  auth_method: Type.String(),
  status: Type.String({ description: 'active | revoked' }),
  jwks: Type.Union([Type.Object({ keys: Type.Array(Jwk) }), Type.Null()]),
  delegation_id: NullableString(),
  custodian_code: Type.Union([Type.String(), Type.Null()], { description: "R-14.2: tokens carry only this custodian's datasets" }),
  issued_by_agency: Type.String(),
  secrets: Type.Array(Type.Object({ id: Type.String(), created_at: Timestamp, expires_at: Type.Union([Timestamp, Type.Null()]) }), {
    description: 'Valid secrets (never their value)',
  }),
  created_by: Type.String(),
  revoked_at: Type.Union([Timestamp, Type.Null()]),
  version: Type.Integer(),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const AccountCreate = Type.Object(
  {
    system_code: SystemCode,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    auth_method: AuthMethod,
    jwks: Type.Optional(Jwks),
    delegation_id: Type.Optional(Type.String({ format: 'uuid', description: 'R-14.2: issue as the delegated intermediary operator' })),
    reason: Type.Optional(Reason),
  },
  { additionalProperties: false },
);

export const CreatedAccount = Type.Object({
  account: Account,
  client_secret: Type.Optional(Type.String({ description: 'Hiển thị một lần / shown once' })),
});

export const RotateBody = Type.Object(
  {
    grace_seconds: Type.Optional(
      Type.Integer({ minimum: 0, maximum: MAX_GRACE_SECONDS, description: 'How long the previous secrets stay valid (default 86400)' }),
    ),
    reason: Reason,
  },
  { additionalProperties: false },
);

export const RotatedSecret = Type.Object({
  account: Account,
  client_secret: Type.String({ description: 'Hiển thị một lần / shown once' }),
  previous_secrets_valid_until: Timestamp,
});

export const Delegation = Type.Object({
  id: Type.String(),
  custodian_code: Type.String(),
  operator_code: Type.String(),
  status: Type.String(),
  created_by: Type.String(),
  revoked_at: Type.Union([Timestamp, Type.Null()]),
  version: Type.Integer(),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const DelegationCreate = Type.Object({ custodian_code: AgencyCode, operator_code: AgencyCode, reason: Reason }, { additionalProperties: false });
export const ReasonBody = Type.Object({ reason: Reason }, { additionalProperties: false });
export const IdParam = Type.Object({ id: Uuid });
export const ClientIdParam = Type.Object({ client_id: Type.String({ maxLength: 64 }) });

export const TokenForm = Type.Object(
  {
    grant_type: Type.Optional(Type.String({ maxLength: 100 })),
    scope: Type.Optional(Type.String({ maxLength: 4000, description: 'Mã bộ dữ liệu cách nhau bởi dấu cách / space-separated dataset codes' })),
    client_id: Type.Optional(Type.String({ maxLength: 200 })),
    client_secret: Type.Optional(Type.String({ maxLength: 500 })),
    client_assertion_type: Type.Optional(Type.String({ maxLength: 200 })),
    client_assertion: Type.Optional(Type.String({ maxLength: 16000 })),
  },
  { additionalProperties: true, description: 'application/x-www-form-urlencoded (RFC 6749 §4.4.2); unknown parameters are ignored' },
);

export const TokenResponse = Type.Object({
  access_token: Type.String({ description: 'JWT (RFC 9068), signed by the platform; verify with /.well-known/jwks.json' }),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer(),
  scope: Type.String({ description: 'Granted dataset codes' }),
});
