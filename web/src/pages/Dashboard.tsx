import { useMemo } from 'react';
import { useQueries, useQuery } from '@tanstack/react-query';
import { Card, Col, Row, Statistic, Typography } from 'antd';
import { api, unwrap } from '../api/client.ts';
import type { ConsoleUser } from '../api/contract.ts';
import { agencyCodeOf, useSession } from '../auth/session.tsx';
import { Chart, type ChartOption } from '../components/Chart.tsx';
import { EmptyState, LoadError, Loading } from '../components/States.tsx';
import { useI18n } from '../i18n/index.tsx';

type AgreementFilter = { status: 'submitted' | 'custodian_approved' | 'changes_requested'; custodian?: string; consumer?: string };

/** The agreements waiting for this official, by role (a coordinator sees every submitted one). */
export function awaitingFilters(user: ConsoleUser): AgreementFilter[] {
  const roles = new Set(user.roles);
  const agency = agencyCodeOf(user);
  const filters: AgreementFilter[] = [];
  if (roles.has('coordinator')) filters.push({ status: 'submitted' });
  else if (roles.has('custodian_admin')) filters.push({ status: 'submitted', custodian: agency });
  if (roles.has('approver')) filters.push({ status: 'custodian_approved' });
  if (roles.has('consumer_admin')) filters.push({ status: 'changes_requested', consumer: agency });
  return filters;
}

function Figure({ title, value, loading, testId }: { title: string; value: number | undefined; loading: boolean; testId: string }) {
  return (
    <Card>
      <Statistic title={title} value={value ?? '—'} loading={loading} data-testid={testId} />
    </Card>
  );
}

export default function Dashboard() {
  const { t, lang } = useI18n();
  const user = useSession().session!.user;

  const unread = useQuery({
    queryKey: ['inbox', 'unread-count'],
    queryFn: async () => unwrap(await api.GET('/api/v1/inbox', { params: { query: { unread: true, limit: 1 } } })).total,
  });
  const datasets = useQuery({
    queryKey: ['datasets', 'count'],
    queryFn: async () => unwrap(await api.GET('/api/v1/datasets', { params: { query: { limit: 1 } } })).total,
  });
  const active = useQuery({
    queryKey: ['agreements', 'count', 'active'],
    queryFn: async () => unwrap(await api.GET('/api/v1/agreements', { params: { query: { status: 'active', limit: 1 } } })).total,
  });
  const filters = awaitingFilters(user);
  const awaiting = useQueries({
    queries: filters.map((f) => ({
      queryKey: ['agreements', 'count', f],
      queryFn: async () => unwrap(await api.GET('/api/v1/agreements', { params: { query: { ...f, limit: 1 } } })).total,
    })),
    combine: (results) => ({ loading: results.some((r) => r.isPending), total: results.reduce((n, r) => n + (r.data ?? 0), 0) }),
  });
  const domains = useQuery({
    queryKey: ['domains'],
    queryFn: async () => unwrap(await api.GET('/api/v1/domains')),
  });

  const option = useMemo<ChartOption | null>(() => {
    if (!domains.data) return null;
    const rows = domains.data.filter((d) => d.dataset_count > 0);
    return {
      grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: { type: 'category', inverse: true, data: rows.map((d) => (lang === 'vi' ? d.name_vi : d.name_en)), axisLabel: { width: 220, overflow: 'truncate' } },
      series: [{ type: 'bar', name: t('dashboard.chart.series'), data: rows.map((d) => d.dataset_count), itemStyle: { color: '#b71c1c' }, label: { show: true, position: 'right' } }],
    };
  }, [domains.data, lang, t]);

  return (
    <>
      <Typography.Title level={1} style={{ fontSize: 24, marginTop: 0 }}>{t('dashboard.title')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('dashboard.welcome', { name: user.full_name })}</Typography.Paragraph>
      <Row gutter={[16, 16]}>
        <Col xs={24} sm={12} xl={6}><Figure title={t('dashboard.unread')} value={unread.data} loading={unread.isPending} testId="figure-unread" /></Col>
        <Col xs={24} sm={12} xl={6}><Figure title={t('dashboard.awaiting')} value={filters.length ? awaiting.total : 0} loading={awaiting.loading} testId="figure-awaiting" /></Col>
        <Col xs={24} sm={12} xl={6}><Figure title={t('dashboard.datasets')} value={datasets.data} loading={datasets.isPending} testId="figure-datasets" /></Col>
        <Col xs={24} sm={12} xl={6}><Figure title={t('dashboard.active')} value={active.data} loading={active.isPending} testId="figure-active" /></Col>
      </Row>
      <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('dashboard.chart.title')}</h2>} style={{ marginTop: 16 }}>
        {domains.isPending ? <Loading /> : domains.isError ? <LoadError error={domains.error} retry={() => void domains.refetch()} /> : option && domains.data.some((d) => d.dataset_count > 0) ? (
          <>
            <Chart option={option} label={t('dashboard.chart.label')} height={Math.max(240, 40 * domains.data.filter((d) => d.dataset_count > 0).length)} />
            <table className="visually-hidden">
              <caption>{t('dashboard.chart.title')}</caption>
              <tbody>
                {domains.data.filter((d) => d.dataset_count > 0).map((d) => (
                  <tr key={d.code}><th scope="row">{lang === 'vi' ? d.name_vi : d.name_en}</th><td>{d.dataset_count}</td></tr>
                ))}
              </tbody>
            </table>
          </>
        ) : <EmptyState />}
      </Card>
    </>
  );
}
