import { RECEIPT_HEADER, SIGNATURE_HEADER, type GatewayResponse } from '../gateway/index.ts';

/**
 * The headers a delivered batch carries to the consumer's endpoint — the one place that says how
 * a delivery is signed, so it can follow the platform's push deliveries should they sign otherwise.
 *
 * The body is the exact bytes the gateway signed and logged: `X-JWS-Signature` is its detached JWS
 * (EdDSA with the platform's response key, verifiable with /.well-known/jwks.json, R-5.3), the
 * same as on every `/data/v1` answer; `Lienthong-Receipt` names the sharing-log entry written
 * before it was sent. `webhook-id` is the same on every retry of the same batch (the
 * schedule and the feed positions it spans), so a consumer de-duplicates on it.
 */
export function deliveryHeaders(batch: GatewayResponse, id: string, at: Date): Record<string, string> {
  return {
    'content-type': batch.headers['content-type'] ?? 'application/json',
    [SIGNATURE_HEADER]: batch.headers[SIGNATURE_HEADER] ?? '',
    [RECEIPT_HEADER]: batch.headers[RECEIPT_HEADER] ?? '',
    'lienthong-log': batch.headers['lienthong-log'] ?? '',
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
  };
}
