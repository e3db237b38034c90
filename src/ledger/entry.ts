import crypto from 'node:crypto';
import { canonicalJson } from '../core/canonical.ts';

/** R-17.2 (a)–(đ): what one exchange leaves in the log. The leaf is its RFC 8785 canonical JSON. */
export const FORMS = ['api', 'sync', 'push', 'export', 'direct'] as const;

export interface LedgerEntry {
  /** (a) times of request and of response, RFC 3339 UTC */
  requested_at: string;
  responded_at: string;
  /** (a) form of the exchange */
  form: (typeof FORMS)[number];
  /** (b) who asked */
  requester: { agency: string | null; system: string | null; account: string | null };
  /** (c) what was asked */
  request: { method: string; resource: string; query: Record<string, string>; purpose: string | null; fields: string[] };
  dataset: string | null;
  record_keys: string[];
  /** (d) response status and SHA-256 (hex) of the exact bytes delivered */
  response: { status: number; content_sha256: string | null; content_kept: boolean };
  /** (đ) what settles disputes later */
  agreement_ids: string[];
  policy_version: string | null;
  trace_id: string;
  gateway_instance: string;
}

export function leafBytes(log: string, e: LedgerEntry): Buffer {
  return Buffer.from(canonicalJson({ v: 1, log, ...e }), 'utf8');
}

export function sha256(data: Uint8Array): Buffer {
  return crypto.createHash('sha256').update(data).digest();
}
