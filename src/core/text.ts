/**
 * Vietnamese text helpers. Stored text is NFC (the product rule); search
 * compares a folded form so "dang vien" finds "đảng viên".
 */
export function nfc(s: string): string {
  return s.normalize('NFC');
}

/** Lower-case, strip diacritics (NFD + combining marks) and map đ/Đ → d, which NFD leaves alone. */
export function foldVietnamese(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').replace(/[đĐ]/g, 'd').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** Escape LIKE metacharacters so user input matches literally. */
export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => '\\' + c);
}
