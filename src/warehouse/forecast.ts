import { Problem, PROBLEMS } from '../core/errors.ts';
import type { Column } from './query.ts';

/** The level of the prediction intervals given with every forecast. */
export const FORECAST_LEVEL = 0.95;
/** The two-sided 95 % quantile of the normal distribution: value ± Z·√(mean square error). */
const Z_95 = 1.959963984540054;
export const MAX_HORIZON = 36;
/** Points the model needs: `arima` refuses an ARIMA(0,2,1) fit on fewer (d + max(p + q, 10)). */
const MIN_POINTS = 12;
export const MAX_POINTS = 1000;
export const MODEL = 'ARIMA(0,2,1)';

type Period = string | number;
export interface Point {
  period: Period;
  value: number;
}
export interface ForecastPoint extends Point {
  lower: number;
  upper: number;
}

const tooShort = (n: number) =>
  new Problem(PROBLEMS.badRequest, {
    rule: 'R-7.3',
    detail: `Chuỗi số liệu có ${n} điểm; cần ít nhất ${MIN_POINTS} điểm (kỳ) để dự báo.`,
    detail_en: `The series has ${n} points; a forecast needs at least ${MIN_POINTS} (periods).`,
    extra: { points: n, minimum: MIN_POINTS },
  });

const badSeries = (detail: string, detail_en: string) => new Problem(PROBLEMS.badRequest, { rule: 'R-7.3', detail, detail_en });

/**
 * The series in an answer: the columns named `period` and `value` (else the first two), one row
 * a period, ordered by period with no repeat, every value a number.
 */
export function seriesOf(columns: Column[], rows: unknown[][]): Point[] {
  if (columns.length < 2) throw badSeries('Câu truy vấn phải trả về hai cột (period, value).', 'The query must give two columns (period, value).');
  const names = columns.map((c) => c.name.toLowerCase());
  const pi = names.includes('period') ? names.indexOf('period') : 0;
  const vi = names.includes('value') ? names.indexOf('value') : 1;
  const points: Point[] = [];
  for (const r of rows) {
    const period = r[pi];
    const value = typeof r[vi] === 'string' ? Number(r[vi]) : r[vi];
    if ((typeof period !== 'string' && typeof period !== 'number') || typeof value !== 'number' || !Number.isFinite(value))
      throw badSeries('Mỗi dòng phải có kỳ (period) và giá trị số (value) khác rỗng.', 'Every row must have a period and a numeric value, neither empty.');
    const last = points.at(-1);
    if (last && !(typeof last.period === typeof period && last.period < period))
      throw badSeries(
        'Các dòng phải được sắp xếp theo kỳ tăng dần, mỗi kỳ một dòng (ORDER BY period).',
        'Rows must be ordered by period, one row a period (ORDER BY period).',
      );
    points.push({ period, value });
  }
  if (points.length < MIN_POINTS) throw tooShort(points.length);
  return points;
}

const DATE_LIKE = /^(\d{4})-(\d{2})(?:-(\d{2}))?(.*)$/;
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/**
 * The labels of the periods after the last: the same step continued — years or other numbers,
 * months (`YYYY-MM`, or dates on one day of the month), or days; `+1`, `+2`… when the periods
 * have no regular step.
 */
export function nextPeriods(periods: Period[], horizon: number): Period[] {
  const ks = Array.from({ length: horizon }, (_, i) => i + 1);
  const steps = (xs: number[]) => xs.slice(1).map((x, i) => x - xs[i]!);
  const regular = (xs: number[]) => {
    const s = steps(xs);
    return s.length > 0 && s[0]! > 0 && s.every((d) => d === s[0]) ? s[0]! : null;
  };
  if (periods.every((p) => typeof p === 'number')) {
    const step = regular(periods as number[]);
    if (step !== null) return ks.map((k) => (periods.at(-1) as number) + k * step);
  } else if (periods.every((p) => typeof p === 'string' && DATE_LIKE.test(p))) {
    const parts = (periods as string[]).map((p) => DATE_LIKE.exec(p)!);
    const last = parts.at(-1)!;
    const suffix = last[4] ?? '';
    const sameDay = parts.every((m) => m[3] === last[3]) && (last[3] === undefined || Number(last[3]) <= 28);
    const monthStep = sameDay ? regular(parts.map((m) => Number(m[1]) * 12 + Number(m[2]) - 1)) : null;
    if (monthStep !== null) {
      const base = Number(last[1]) * 12 + Number(last[2]) - 1;
      return ks.map((k) => {
        const m = base + k * monthStep;
        return `${pad(Math.floor(m / 12), 4)}-${pad((m % 12) + 1)}${last[3] === undefined ? '' : `-${last[3]}`}${suffix}`;
      });
    }
    if (parts.every((m) => m[3] !== undefined)) {
      const days = parts.map((m) => Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / 86_400_000);
      const dayStep = regular(days);
      if (dayStep !== null) return ks.map((k) => `${new Date((days.at(-1)! + k * dayStep) * 86_400_000).toISOString().slice(0, 10)}${suffix}`);
    }
  }
  return ks.map((k) => `+${k}`);
}

/**
 * R-7.3 (forecasting for leadership): the series projected `horizon` periods ahead with its 95 %
 * prediction interval, by the `arima` package (a WASM build of the ctsa C library): the model is
 * fitted and its forecast and mean square errors computed there; only the interval's bounds
 * (value ± 1.96·√MSE) are reckoned here.
 *
 * Why ARIMA(0,2,1) and not the package's AutoARIMA: on a plain linear trend (24 points of
 * 100 + 5·i plus small noise) AutoARIMA 0.2.8 answers 34.5, 192.7, 200.9… after a last value of
 * 215.6, and needs 20 points; ARIMA(0,2,1) — the ARIMA form of Holt's linear trend — continues
 * the trend (220.6, 225.6, 230.6…) with intervals widening with the horizon, from 12 points. A
 * leadership series (exchanges a month, records by period) is mostly level and trend, which is
 * what this model carries; it knows no seasonality.
 */
export async function forecast(history: Point[], horizon: number): Promise<ForecastPoint[]> {
  if (history.length < MIN_POINTS) throw tooShort(history.length);
  // Loaded on first use: the WASM module is compiled when the package is imported.
  const ARIMA = (await import('arima')).default;
  const model = new ARIMA({ p: 0, d: 2, q: 1, verbose: false });
  let predicted: number[];
  let mse: number[];
  try {
    model.train(history.map((p) => p.value));
    [predicted, mse] = model.predict(horizon);
  } catch (err) {
    throw new Problem(PROBLEMS.unprocessable, {
      rule: 'R-7.3',
      detail: 'Không ước lượng được mô hình dự báo cho chuỗi số liệu này.',
      detail_en: `The forecasting model could not be fitted to this series (${err instanceof Error ? err.message : 'error'}).`,
    });
  } finally {
    model.destroy();
  }
  if (![...predicted, ...mse].every(Number.isFinite))
    throw new Problem(PROBLEMS.unprocessable, {
      rule: 'R-7.3',
      detail: 'Không ước lượng được mô hình dự báo cho chuỗi số liệu này.',
      detail_en: 'The forecasting model could not be fitted to this series (non-finite forecast).',
    });
  const periods = nextPeriods(
    history.map((p) => p.period),
    horizon,
  );
  return predicted.map((value, i) => {
    const half = Z_95 * Math.sqrt(Math.max(0, mse[i]!));
    return { period: periods[i]!, value, lower: value - half, upper: value + half };
  });
}
