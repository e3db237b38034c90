import { describe, expect, it } from 'vitest';
import { newId } from '../../src/core/ids.ts';

describe('newId', () => {
  it('makes UUIDv7s in increasing order, all distinct, across refills of the random pool', () => {
    const ids = Array.from({ length: 5000 }, newId);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });
});
