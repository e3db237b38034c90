import { describe, expect, it } from 'vitest';
import { en } from '../../web/src/i18n/en.ts';
import { vi } from '../../web/src/i18n/vi.ts';
import { formatDate, formatDateTime } from '../../web/src/time.ts';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('console message catalogs and times', () => {
  it('have the same keys in Vietnamese and English, none empty, with the same placeholders', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(vi).sort());
    for (const [key, text] of Object.entries(vi)) {
      expect(text.trim(), key).not.toBe('');
      expect(en[key as keyof typeof vi].trim(), key).not.toBe('');
      expect(placeholders(en[key as keyof typeof vi]), key).toEqual(placeholders(text));
    }
  });

  it('show times in Asia/Ho_Chi_Minh as DD/MM/YYYY HH:mm, whatever the machine’s time zone', () => {
    expect(formatDateTime('2026-03-02T17:30:00Z')).toBe('03/03/2026 00:30');
    expect(formatDate('2026-03-02T17:30:00Z')).toBe('03/03/2026');
    expect(formatDate('2026-12-25')).toBe('25/12/2026'); // a calendar date stays that date
  });
});
