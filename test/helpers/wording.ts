/**
 * A word-list check that a Vietnamese message holds no English words and an English one no
 * Vietnamese words. What may legitimately appear in either is left out before looking: quoted
 * text ("…", `…`, <…>), identifiers and codes (anything with _ - / . : @ or a digit),
 * acronyms (all capitals, e.g. API, JSON, TOTP), template holes ${…}, and a clause letter in
 * parentheses such as "(đ)". Capitalised words in English text may be Vietnamese proper names
 * ("Hùng Kings"), so only lowercase Vietnamese words count there.
 */

/** English words that are not Vietnamese syllables ("to", "an", "do", "in", "ban" are, so they are not listed). */
const ENGLISH = new Set(
  `
  the and of is are was were be been must may cannot can should not only with without for from this that these those
  which who when where what has have had will would its it or if than then into onto after before until since at by
  request requests requested response field fields value values list lists code codes level scope date dates today tomorrow
  version versions day days notice notices approve approved reject rejected revoke revoked withdraw withdrawn resubmit suspend
  suspended restore restored terminate terminated agreement agreements dataset datasets system systems agency agencies
  custodian consumer user users token secret key keys client string integer number boolean object array null true false
  format invalid valid required missing unknown allowed handling violation expired active pending status province commune
  level ward district please run applied see send sent error failed not found sharing requires least most per each
`
    .split(/\s+/)
    .filter(Boolean),
);

/** Letters only Vietnamese writes (English text has none of them). */
const VIETNAMESE_LETTERS = /[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ]/;

/** Template holes `${…}` removed, nested braces included (an unclosed one runs to the end). */
function withoutHoles(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== '$' || s[i + 1] !== '{') {
      out += s[i];
      continue;
    }
    let depth = 0;
    for (i++; i < s.length; i++) {
      if (s[i] === '{') depth++;
      else if (s[i] === '}' && --depth === 0) break;
    }
    out += ' ';
  }
  return out;
}

function words(text: string): string[] {
  const cleaned = withoutHoles(text)
    .replace(/"[^"]*"|“[^”]*”|`[^`]*`|<[^>]*>/g, ' ')
    .replace(/\(\p{L}\)/gu, ' ');
  return cleaned
    .split(/[\s,;!?()[\]{}…—–=+*|]+/)
    .map((w) => w.replace(/^[.'’:]+|[.'’:]+$/g, ''))
    .filter((w) => w !== '' && !/[_\-/.:@\d]/.test(w) && /^\p{L}+$/u.test(w));
}

/** English words found in a Vietnamese text. */
export function englishIn(vi: string): string[] {
  return words(vi)
    .filter((w) => w !== w.toUpperCase() || w.length === 1)
    .filter((w) => ENGLISH.has(w.toLowerCase()));
}

/** Vietnamese words found in an English text. */
export function vietnameseIn(en: string): string[] {
  return words(en).filter((w) => VIETNAMESE_LETTERS.test(w) && w[0] === w[0]!.toLowerCase());
}

/** Both directions for a pair; empty when clean. */
export function mixed(vi: string, en: string): string[] {
  return [...englishIn(vi).map((w) => `vi has "${w}": ${vi}`), ...vietnameseIn(en).map((w) => `en has "${w}": ${en}`)];
}

/**
 * A text whose language is not known (a string literal in the source): Vietnamese when it has a
 * lowercase Vietnamese word; then it must hold no English word. "vi / en" pairs (also inside
 * parentheses or between commas: "N mục / entries, M điểm / checkpoints") are split first.
 */
export function mixedUnknown(text: string): string[] {
  return withoutHoles(text)
    .split(/ \/ |[(),;]| — /)
    .flatMap((part) => {
      const vi = words(part).filter((w) => VIETNAMESE_LETTERS.test(w) && w[0] === w[0]!.toLowerCase());
      const en = englishIn(part);
      return vi.length > 0 && en.length > 0 ? [`mixes ${JSON.stringify(vi.slice(0, 3))} with ${JSON.stringify(en.slice(0, 3))}: ${part}`] : [];
    });
}
