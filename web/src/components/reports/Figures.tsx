import { useState } from 'react';
import { useMutation, useQueries } from '@tanstack/react-query';
import { Alert, Button, Card, Col, Row, Segmented, Space, Statistic, Typography } from 'antd';
import { api, problemMessage, unwrap } from '../../api/client.ts';
import type { paths } from '../../api/schema.d.ts';
import { useI18n } from '../../i18n/index.tsx';
import { formatDate } from '../../time.ts';
import { plusDays, vietnamToday } from '../dashboard/figures.ts';
import { EmptyState, LoadError, Loading } from '../States.tsx';
import { StackedBars } from './FigureCharts.tsx';

type Figures = paths['/api/v1/reports/figures']['get']['responses'][200]['content']['application/json'];
type Row = Figures['rows'][number];
type Period = '7' | '30' | '365' | 'all';
const H3 = { fontSize: 14, margin: '8px 0' };
const GROUPS = ['day', 'dataset', 'consumer_agency', 'rule'] as const;

const refused = (r: Row) => Number(r.group.status ?? 0) >= 400;

/** Served and refused per value of `by` (rows grouped by it and by status). */
function split(rows: Row[], by: string, none: string, format: (v: string) => string = (v) => v): [string, number, number][] {
  const m = new Map<string, [number, number]>();
  for (const r of rows) {
    const k = String(r.group[by] ?? '') || none;
    const had = m.get(k) ?? [0, 0];
    had[refused(r) ? 1 : 0] += r.exchanges;
    m.set(k, had);
  }
  return [...m].map(([k, [s, f]]) => [format(k), s, f]);
}

/** The figures of the sharing logs the official may see, from the reports module's aggregates. */
export function FiguresPanel({ custodian }: { custodian?: string | undefined }) {
  const { t, lang } = useI18n();
  const [period, setPeriod] = useState<Period>('30');
  const from = period === 'all' ? undefined : plusDays(vietnamToday(), -Number(period) + 1);
  const queries = useQueries({
    queries: GROUPS.map((g) => ({
      queryKey: ['report-figures', g, from, custodian],
      queryFn: async () =>
        unwrap(
          await api.GET('/api/v1/reports/figures', {
            params: { query: { group_by: `${g},status`, ...(from ? { from } : {}), ...(custodian ? { custodian } : {}) } },
          }),
        ),
    })),
  });
  const verify = useMutation({
    mutationFn: async (log: string) => unwrap(await api.GET('/api/v1/reports/figures/{custodian}/verify', { params: { path: { custodian: log } } })),
  });
  const failed = queries.find((q) => q.isError);
  const [byDay, byDataset, byConsumer, byRule] = queries.map((q) => q.data?.rows ?? []) as [Row[], Row[], Row[], Row[]];
  const total = byDay.reduce((a, r) => a + r.exchanges, 0);
  const refusedTotal = byDay.filter(refused).reduce((a, r) => a + r.exchanges, 0);
  const bytes = byDay.reduce((a, r) => a + r.bytes, 0);
  const buckets = byDay.reduce<number[]>((acc, r) => r.latency.buckets.map((n, i) => n + (acc[i] ?? 0)), []);
  const p95 = quantile(buckets, 0.95);
  const asOf = queries[0]!.data?.as_of ?? [];
  const ruleRows = split(
    byRule.filter((r) => r.group.rule),
    'rule',
    '',
  );

  return (
    <Card
      title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('rep.fig.title')}</h2>}
      style={{ marginBottom: 16 }}
      extra={
        <Segmented<Period>
          aria-label={t('rep.fig.period')}
          value={period}
          onChange={setPeriod}
          options={[
            { value: '7', label: t('rep.fig.d7') },
            { value: '30', label: t('rep.fig.d30') },
            { value: '365', label: t('rep.fig.d365') },
            { value: 'all', label: t('rep.fig.all') },
          ]}
        />
      }
    >
      {failed ? (
        <LoadError error={failed.error} retry={() => queries.forEach((q) => void q.refetch())} />
      ) : queries.some((q) => q.isPending) ? (
        <Loading />
      ) : (
        <>
          <Row gutter={[16, 16]}>
            <Col xs={12} lg={6}>
              <Statistic title={t('rep.fig.exchanges')} value={total} data-testid="rep-total" />
            </Col>
            <Col xs={12} lg={6}>
              <Statistic title={t('rep.fig.refused')} value={refusedTotal} />
            </Col>
            <Col xs={12} lg={6}>
              <Statistic title={t('rep.fig.bytes')} value={new Intl.NumberFormat(lang).format(bytes)} suffix={t('rep.fig.bytes.unit')} />
            </Col>
            <Col xs={12} lg={6}>
              <Statistic
                title={t('rep.fig.p95')}
                value={p95 === undefined ? '—' : p95 === null ? t('rep.fig.p95.over') : t('rep.fig.p95.value', { ms: p95 })}
              />
            </Col>
          </Row>
          {total === 0 ? (
            <EmptyState />
          ) : (
            <Row gutter={[24, 8]}>
              <Col xs={24}>
                <h3 style={H3}>{t('rep.fig.byDay')}</h3>
                <StackedBars rows={split(byDay, 'day', '', formatDate)} caption={t('rep.fig.byDay')} t={t} testId="rep-by-day" horizontal={false} />
              </Col>
              <Col xs={24} xl={12}>
                <h3 style={H3}>{t('rep.fig.byDataset')}</h3>
                <StackedBars rows={split(byDataset, 'dataset', t('rep.fig.none'))} caption={t('rep.fig.byDataset')} t={t} testId="rep-by-dataset" />
              </Col>
              <Col xs={24} xl={12}>
                <h3 style={H3}>{t('rep.fig.byConsumer')}</h3>
                <StackedBars rows={split(byConsumer, 'consumer_agency', t('rep.fig.none'))} caption={t('rep.fig.byConsumer')} t={t} testId="rep-by-consumer" />
              </Col>
              <Col xs={24} xl={12}>
                <h3 style={H3}>{t('rep.fig.byRule')}</h3>
                {ruleRows.length ? (
                  <StackedBars rows={ruleRows} caption={t('rep.fig.byRule')} t={t} testId="rep-by-rule" />
                ) : (
                  <Typography.Text type="secondary">{t('rep.fig.noRefusal')}</Typography.Text>
                )}
              </Col>
            </Row>
          )}
          <Space direction="vertical" style={{ marginTop: 12 }} data-testid="rep-as-of">
            {asOf.map((a) => (
              <Typography.Text key={a.log} type="secondary">
                {t('rep.fig.asOf', { size: a.checkpoint_size, log: a.log })}
              </Typography.Text>
            ))}
            <Typography.Text type="secondary">{t('rep.fig.verifyHow')}</Typography.Text>
            <Space wrap>
              {asOf.map((a) => (
                <Button key={a.log} size="small" onClick={() => verify.mutate(a.log)} loading={verify.isPending && verify.variables === a.log}>
                  {t('rep.fig.verify', { log: a.log })}
                </Button>
              ))}
            </Space>
            {verify.data && (
              <Alert
                type={verify.data.ok ? 'success' : 'error'}
                showIcon
                data-testid="rep-verify"
                title={
                  verify.data.ok
                    ? t('rep.fig.verify.ok', { log: verify.data.log, n: verify.data.entries_recounted })
                    : t('rep.fig.verify.bad', { log: verify.data.log, n: verify.data.differences.length })
                }
              />
            )}
            {verify.isError && <Alert type="error" showIcon title={problemMessage(verify.error, lang, t('common.error'))} />}
          </Space>
        </>
      )}
    </Card>
  );
}

/** Upper bound (ms) of the histogram bucket holding the quantile: undefined with no exchanges, null beyond the last bound. */
const BOUNDS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000];
function quantile(buckets: number[], share: number): number | null | undefined {
  const n = buckets.reduce((a, b) => a + b, 0);
  if (n === 0) return undefined;
  let seen = 0;
  for (let i = 0; i < buckets.length; i++) {
    seen += buckets[i]!;
    if (seen >= share * n) return BOUNDS[i] ?? null;
  }
  return null;
}
