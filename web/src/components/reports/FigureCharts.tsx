import { useMemo } from 'react';
import { Chart, type ChartOption } from '../Chart.tsx';
import type { Translate } from '../../i18n/index.tsx';

/** One bar per label, served and refused stacked; the same figures as a table for assistive technology. */
export function StackedBars({
  rows,
  caption,
  t,
  testId,
  horizontal = true,
}: {
  rows: [string, number, number][];
  caption: string;
  t: Translate;
  testId: string;
  horizontal?: boolean;
}) {
  const option = useMemo<ChartOption>(() => {
    const category = {
      type: 'category',
      data: rows.map((r) => r[0]),
      ...(horizontal ? { inverse: true, axisLabel: { width: 180, overflow: 'truncate' } } : {}),
    };
    const value = { type: 'value', minInterval: 1 };
    return {
      grid: { left: 8, right: 24, top: 32, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? category : value,
      series: [
        { type: 'bar', stack: 'n', name: t('rep.fig.served'), data: rows.map((r) => r[1]), itemStyle: { color: '#2e7d32' } },
        { type: 'bar', stack: 'n', name: t('rep.fig.refusedSeries'), data: rows.map((r) => r[2]), itemStyle: { color: '#b71c1c' } },
      ],
    };
  }, [rows, t, horizontal]);
  return (
    <div data-testid={testId}>
      <Chart option={option} label={caption} height={horizontal ? Math.max(160, 36 * rows.length + 60) : 280} />
      <table className="visually-hidden">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{caption}</th>
            <th scope="col">{t('rep.fig.served')}</th>
            <th scope="col">{t('rep.fig.refusedSeries')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r[0]}>
              <th scope="row">{r[0]}</th>
              <td>{r[1]}</td>
              <td>{r[2]}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
