import { describe, expect, it } from 'vitest';
import { Problem } from '../../src/core/errors.ts';
import { forecast, nextPeriods, seriesOf } from '../../src/warehouse/forecast.ts';

const cols = [
  { name: 'period', type: 'VARCHAR' },
  { name: 'value', type: 'BIGINT' },
];

describe('warehouse forecasts (R-7.3)', () => {
  it('R-7.3: the periods ahead continue the history’s step — months, dates on one day of the month, days, years — or are counted', () => {
    expect(nextPeriods(['2025-11', '2025-12'], 3)).toEqual(['2026-01', '2026-02', '2026-03']);
    expect(nextPeriods(['2025-01-01', '2025-04-01', '2025-07-01'], 2)).toEqual(['2025-10-01', '2026-01-01']);
    expect(nextPeriods(['2025-11-01 00:00:00', '2025-12-01 00:00:00'], 2)).toEqual(['2026-01-01 00:00:00', '2026-02-01 00:00:00']);
    expect(nextPeriods(['2026-02-26', '2026-02-27', '2026-02-28'], 2)).toEqual(['2026-03-01', '2026-03-02']);
    expect(nextPeriods(['2026-01-05', '2026-01-12'], 2)).toEqual(['2026-01-19', '2026-01-26']);
    expect(nextPeriods([2022, 2023, 2024], 2)).toEqual([2025, 2026]);
    expect(nextPeriods(['Hà Nội', 'Huế'], 2)).toEqual(['+1', '+2']);
    expect(nextPeriods([1, 2, 4], 1)).toEqual(['+1']);
  });

  it('R-7.3: a series must be ordered by period with numeric values and at least 12 points', () => {
    const rows = Array.from({ length: 12 }, (_, i) => [`2025-${String(i + 1).padStart(2, '0')}`, i]);
    expect(seriesOf(cols, rows)).toHaveLength(12);
    // DuckDB gives large integers and decimals as text.
    expect(
      seriesOf(
        cols,
        rows.map(([p, v]) => [p, String(v)]),
      )[3],
    ).toEqual({ period: '2025-04', value: 3 });
    const refused = (r: unknown[][], c = cols) => {
      try {
        seriesOf(c, r);
      } catch (err) {
        return err instanceof Problem ? err.status : -1;
      }
      return 0;
    };
    expect(refused(rows.slice(0, 11))).toBe(400);
    expect(refused([...rows].reverse())).toBe(400);
    expect(refused([...rows, rows[11]!])).toBe(400);
    expect(refused(rows.map(([p], i) => [p, i === 5 ? null : i]))).toBe(400);
    expect(refused(rows, [cols[0]!])).toBe(400);
  });

  it('R-7.3: a flat series is forecast flat, with no spread where the history has none', async () => {
    const f = await forecast(
      Array.from({ length: 12 }, (_, i) => ({ period: 2010 + i, value: 5 })),
      3,
    );
    expect(f).toEqual([2022, 2023, 2024].map((period) => ({ period, value: 5, lower: 5, upper: 5 })));
  });
});
