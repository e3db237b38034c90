import type { paths } from '../../api/schema.d.ts';
import type { ChartOption } from '../Chart.tsx';

export type Refresh = paths['/api/v1/warehouse/dashboards/{id}/refresh']['post']['responses'][200]['content']['application/json'];
export type RefreshedTile = Refresh['tiles'][number];
export type Answer = NonNullable<RefreshedTile['result']>;
type ChartSpec = NonNullable<NonNullable<RefreshedTile['saved_query']>['chart']>;

const isNumeric = (a: Answer, i: number) => a.rows.every((r) => typeof r[i] === 'number' || r[i] === null);

/**
 * An answer as an ECharts option of the given kind. The saved query's own chart spec names the x
 * column and the series when its columns are in the answer; otherwise the first column is the
 * category and every other numeric column a series (a pie takes the first of them). Null when the
 * answer has nothing to draw (no numeric column, no row): the page shows the table.
 */
export function answerOption(a: Answer, kind: 'bar' | 'line' | 'pie', spec: ChartSpec | null | undefined): ChartOption | null {
  if (a.rows.length === 0 || a.columns.length < 2) return null;
  const index = (name: string) => a.columns.findIndex((c) => c.name === name);
  const specX = spec ? index(spec.x) : -1;
  const specY = spec ? spec.y.map(index).filter((i) => i >= 0 && isNumeric(a, i)) : [];
  const x = specX >= 0 && specY.length > 0 ? specX : 0;
  const ys = specX >= 0 && specY.length > 0 ? specY : a.columns.map((_, i) => i).filter((i) => i !== x && isNumeric(a, i));
  if (ys.length === 0) return null;
  const categories = a.rows.map((r) => String(r[x] ?? ''));
  if (kind === 'pie')
    return {
      tooltip: { trigger: 'item' },
      legend: { type: 'scroll', bottom: 0 },
      series: [
        {
          type: 'pie',
          radius: '55%',
          label: { formatter: '{b}: {c}' },
          name: a.columns[ys[0]!]!.name,
          data: a.rows.map((r, i) => ({ name: categories[i], value: r[ys[0]!] })),
        },
      ],
    };
  return {
    tooltip: { trigger: 'axis' },
    legend: {},
    xAxis: { type: 'category', data: categories },
    yAxis: { type: 'value' },
    series: ys.map((i) => ({ type: kind, name: a.columns[i]!.name, data: a.rows.map((r) => r[i] as number | null) })),
  };
}

/** A tile's answer drawn as the tile's kind says; null for a table. */
export function tileOption(tile: RefreshedTile): ChartOption | null {
  return tile.result && tile.chart !== 'table' ? answerOption(tile.result, tile.chart, tile.saved_query?.chart) : null;
}
