import { describe, expect, it } from 'vitest';
import { formatVietnamTime } from '../../src/core/time.ts';
import { foldVietnamese } from '../../src/core/text.ts';

describe('Vietnamese display and search text', () => {
  it('shows UTC instants in Asia/Ho_Chi_Minh as HH:mm dd/mm/yyyy, whatever the server zone', () => {
    expect(formatVietnamTime(new Date('2025-11-19T17:30:00Z'))).toBe('00:30 20/11/2025');
    expect(formatVietnamTime(new Date('2026-01-01T01:05:00Z'))).toBe('08:05 01/01/2026');
  });

  it('folds diacritics and đ/Đ for search', () => {
    expect(foldVietnamese('  Đảng   VIÊN ')).toBe('dang vien');
    expect(foldVietnamese('Ủy ban Kiểm tra Trung ương'.normalize('NFD'))).toBe('uy ban kiem tra trung uong');
  });
});
