import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { principalOf, unauthenticated } from '../http/context.ts';
import { BearerSecurity, QueryString, Timestamp, errors } from '../http/schemas.ts';
import type { Ledger, ReceiptReader } from './service.ts';

/** A connection account's access token checked (src/accounts `verifyAccessToken`): its system and agency. */
export type AccessTokenCheck = (token: string) => Promise<{ system: string; agency: string }>;

const security = BearerSecurity;
const tags = ['ledger'];
const Log = Type.Object({ custodian: Type.String({ pattern: '^[A-Z][A-Z0-9]{1,31}$', description: 'Mã cơ quan chủ quản / custodian agency code' }) });
const Hashes = Type.Object({ hashes: Type.Array(Type.String({ description: 'base64' })) });
const Size = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
const Checkpoint = Type.Object({
  tree_size: Type.Integer(),
  root_hash: Type.String(),
  timestamp: Timestamp,
  signature: Type.String(),
  key_id: Type.String(),
  note: Type.String({ description: 'C2SP signed-note checkpoint (tlog-checkpoint)' }),
});

/**
 * An official's session (set by the server's hook), or else a connection account's access token:
 * a receipt read is not a data exchange — it reveals nothing the system did not itself receive —
 * so it is served here, not logged on the data plane.
 */
async function receiptReader(req: FastifyRequest, checkToken: AccessTokenCheck): Promise<ReceiptReader> {
  if (req.principal) return req.principal;
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!m) throw unauthenticated();
  const token = await checkToken(m[1]!);
  return { system: token.system, agency: token.agency };
}

export function ledgerRoutes(ledger: Ledger, checkToken: AccessTokenCheck) {
  return async function routes(base: FastifyInstance): Promise<void> {
    const app = base.withTypeProvider<TypeBoxTypeProvider>();

    // Public (no `security`): the keys, checkpoints and proofs let anyone check the log without the custodian's help.
    app.get(
      '/ledger/keys',
      {
        schema: {
          tags,
          summary: "Khoá kiểm tra nhật ký / The logs' public verifier keys (no sign-in)",
          description:
            "One C2SP signed-note verifier key (`name+hash+base64(0x01 ‖ Ed25519 public key)`) per log: the platform's one log key under each log's origin `lienthong/<custodian in lower case>`.",
          response: {
            200: Type.Object({
              algorithm: Type.Literal('Ed25519'),
              public_key: Type.String({ description: 'raw 32-byte Ed25519 public key, base64' }),
              keys: Type.Array(Type.Object({ log: Type.String(), origin: Type.String(), verifier_key: Type.String() })),
            }),
          },
        },
      },
      async () => ledger.verifierKeys(),
    );

    app.get(
      '/ledger/:custodian/checkpoint',
      {
        schema: {
          tags,
          summary: 'Điểm kiểm tra mới nhất / Latest signed checkpoint, no sign-in (JSON; Accept: text/plain gives the signed note)',
          params: Log,
          response: {
            200: Type.Intersect([
              Checkpoint,
              Type.Object({ origin: Type.String(), verifier_key: Type.String({ description: 'signed-note verifier key of the log key' }) }),
            ]),
            ...errors(404),
          },
        },
      },
      async (req, reply) => {
        const cp = await ledger.checkpoint(req.params.custodian);
        // The C2SP signed note itself, for tools that speak tlog-checkpoint.
        if (/^text\/plain/.test(req.headers.accept ?? '')) return reply.type('text/plain; charset=utf-8').send(cp.note as never);
        return cp;
      },
    );

    app.get(
      '/ledger/:custodian/proof/inclusion',
      {
        schema: {
          tags,
          summary: 'Chứng minh bao hàm / RFC 9162 inclusion proof, no sign-in',
          params: Log,
          querystring: Type.Object({ index: Size, size: Size }, { additionalProperties: false }),
          response: { 200: Hashes, ...errors(400, 404) },
        },
      },
      async (req) => ledger.inclusion(req.params.custodian, req.query.index, req.query.size),
    );

    app.get(
      '/ledger/:custodian/proof/consistency',
      {
        schema: {
          tags,
          summary: 'Chứng minh nhất quán / RFC 9162 consistency proof, no sign-in',
          params: Log,
          querystring: Type.Object({ from: Size, to: Size }, { additionalProperties: false }),
          response: { 200: Hashes, ...errors(400, 404) },
        },
      },
      async (req) => ledger.consistency(req.params.custodian, req.query.from, req.query.to),
    );

    app.get(
      '/ledger/:custodian/bundle',
      {
        schema: {
          tags,
          summary: 'Tải gói nhật ký / Download the log as a signed bundle, verifiable offline (lienthong ledger verify --bundle; docs/ledger-bundle.md)',
          security,
          params: Log,
          response: {
            200: Type.Unsafe({
              description: 'the bundle (docs/ledger-bundle.md)',
              content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
            }),
            ...errors(401, 404),
          },
        },
      },
      async (req, reply) => {
        const bundle = await ledger.bundleFor(principalOf(req), req.params.custodian);
        return reply
          .type('application/octet-stream')
          .header('content-disposition', `attachment; filename="lienthong-${req.params.custodian.toLowerCase()}.bundle"`)
          .header('cache-control', 'no-store')
          .send(bundle);
      },
    );

    app.get(
      '/ledger/:custodian/entries',
      {
        schema: {
          tags,
          summary: 'Tra cứu nhật ký / Search the log: who received what, when (R-4.5)',
          security,
          params: Log,
          querystring: QueryString({
            requester: Type.Optional(Type.String({ pattern: '^[A-Z][A-Z0-9]{1,31}$' })),
            dataset: Type.Optional(Type.String({ maxLength: 64 })),
            record_key: Type.Optional(Type.String({ maxLength: 200 })),
            from: Type.Optional(Type.String({ format: 'date-time' })),
            to: Type.Optional(Type.String({ format: 'date-time' })),
            status: Type.Optional(Type.Integer({ minimum: 100, maximum: 599 })),
            limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
            after: Type.Optional(Type.Integer({ minimum: -1, description: 'leaf index of the last item of the previous page' })),
          }),
          response: {
            200: Type.Object({
              items: Type.Array(
                Type.Object({
                  leaf_index: Type.Integer(),
                  receipt_id: Type.String(),
                  entry: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()], { description: 'null once archived (R-17.1)' }),
                }),
              ),
              next_after: Type.Union([Type.Integer(), Type.Null()]),
            }),
            ...errors(400, 401, 404),
          },
        },
      },
      async (req) => ledger.entries(principalOf(req), req.params.custodian, req.query),
    );

    app.get(
      '/ledger/receipts/:id',
      {
        // A consumer system reads its own receipts with its access token (see `receiptReader`).
        config: { accessToken: true },
        schema: {
          tags,
          summary: 'Biên nhận / A receipt: the entry, its inclusion proof and checkpoint',
          security,
          params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
          description:
            "Bearer: an official's session (the custodian, the requesting agency, coordinators and auditors), or a connection account's access token from POST /oauth/token (only receipts of exchanges its own system made).",
          response: {
            200: Type.Object({
              id: Type.String(),
              log: Type.String(),
              leaf_hash: Type.String(),
              leaf: Type.Union([Type.String({ description: 'the exact leaf bytes, base64 (RFC 8785 JSON of entry)' }), Type.Null()]),
              queued_at: Timestamp,
              leaf_index: Type.Union([Type.Integer(), Type.Null()]),
              entry: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
              inclusion_proof: Type.Union([Type.Array(Type.String()), Type.Null()]),
              checkpoint: Type.Union([Checkpoint, Type.Null()]),
            }),
            ...errors(401, 404),
          },
        },
      },
      async (req) => ledger.receipt(await receiptReader(req, checkToken), req.params.id),
    );
  };
}
