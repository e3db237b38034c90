import type { LedgerEntry } from '../../src/ledger/entry.ts';

/** The n-th sample exchange of the ledger tests: distinct times, resource, keys and trace id. */
export const sampleEntry = (n: number, over: Partial<LedgerEntry> = {}): LedgerEntry => ({
  requested_at: new Date(Date.UTC(2026, 2, 2, 3, 0, 0, n)).toISOString(),
  responded_at: new Date(Date.UTC(2026, 2, 2, 3, 0, 1, n)).toISOString(),
  form: 'api',
  requester: { agency: 'VPCP', system: 'VPCP-QLCB', account: 'ltc_x' },
  request: { method: 'GET', resource: `/data/v1/x/records/${n}`, query: {}, purpose: 'to-chuc-can-bo', fields: [] },
  dataset: 'can-bo-dang-vien',
  record_keys: [`k-${n}`],
  response: { status: 200, content_sha256: null, content_kept: false },
  agreement_ids: [],
  policy_version: 'g1',
  trace_id: `trace-${n}`,
  gateway_instance: 'test',
  ...over,
});
