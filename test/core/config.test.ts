import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.ts';

describe('configuration from the environment', () => {
  it('sizes the sharing-log tile cache in MiB (default 128) and refuses a size that is not a whole number in range', () => {
    expect(loadConfig({}).ledgerTileCacheBytes).toBe(128 * 2 ** 20);
    expect(loadConfig({ LIENTHONG_LEDGER_TILE_CACHE_MB: '512' }).ledgerTileCacheBytes).toBe(512 * 2 ** 20);
    for (const bad of ['0', '1.5', 'lots', '100000']) {
      expect(() => loadConfig({ LIENTHONG_LEDGER_TILE_CACHE_MB: bad })).toThrow(/LIENTHONG_LEDGER_TILE_CACHE_MB must be an integer/);
    }
  });

  it('signs gateway answers one by one unless LIENTHONG_RESPONSE_SIGNATURES=batch, and refuses any other value', () => {
    expect(loadConfig({}).responseSignatures).toBe('each');
    expect(loadConfig({ LIENTHONG_RESPONSE_SIGNATURES: 'batch' }).responseSignatures).toBe('batch');
    expect(() => loadConfig({ LIENTHONG_RESPONSE_SIGNATURES: 'merkle' })).toThrow(/LIENTHONG_RESPONSE_SIGNATURES must be each or batch/);
  });

  it("R-12.2: calls fetching secret data leave from LIENTHONG_TSLCD_EGRESS, else from the tslcd listener's own address; none without one", () => {
    expect(loadConfig({}).tslcdEgress).toBeNull();
    expect(loadConfig({ LIENTHONG_LISTEN: 'internet@0.0.0.0:8080,tslcd@10.0.0.5:8443' }).tslcdEgress).toBe('10.0.0.5');
    expect(loadConfig({ LIENTHONG_LISTEN: 'tslcd@[fd00::5]:8443' }).tslcdEgress).toBe('fd00::5');
    // A wildcard listener names no address to leave from.
    expect(loadConfig({ LIENTHONG_LISTEN: 'internet@127.0.0.1:8080,tslcd@0.0.0.0:8443' }).tslcdEgress).toBeNull();
    expect(loadConfig({ LIENTHONG_LISTEN: 'tslcd@0.0.0.0:8443', LIENTHONG_TSLCD_EGRESS: '10.1.2.3' }).tslcdEgress).toBe('10.1.2.3');
    for (const bad of ['0.0.0.0', 'tslcd.local', '10.0.0.5:80']) {
      expect(() => loadConfig({ LIENTHONG_TSLCD_EGRESS: bad })).toThrow(/LIENTHONG_TSLCD_EGRESS must be one IP address/);
    }
  });
});
