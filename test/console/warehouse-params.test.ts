/** What the console's saved-query forms make of a SQL text and of their inputs (web/src/components/warehouse/params.ts). */
import { describe, expect, it } from 'vitest';
import { filledValues, placeholdersOf, shownValue } from '../../web/src/components/warehouse/params.ts';

describe('console: saved query parameters', () => {
  it('finds each $name placeholder once, in order, not inside strings, quoted names or comments', () => {
    const sql = `SELECT '$not', "$nor" FROM t -- $comment
      WHERE a >= $tu_ngay /* $block */ AND b = $ma AND c <= $tu_ngay AND d = 'it''s $x' AND e = $1`;
    expect(placeholdersOf(sql)).toEqual(['tu_ngay', 'ma']);
    expect(placeholdersOf('SELECT 1')).toEqual([]);
  });

  it('sends only the inputs filled (an empty one takes the default) and shows a day as DD/MM/YYYY', () => {
    expect(filledValues({ a: undefined, b: '', c: 0, d: '1985-01-04' })).toEqual({ c: 0, d: '1985-01-04' });
    expect(shownValue({ name: 'tu', type: 'date' }, '1985-01-04')).toBe('04/01/1985');
    expect(shownValue({ name: 'n', type: 'number' }, 3)).toBe('3');
  });
});
