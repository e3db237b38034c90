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
});
