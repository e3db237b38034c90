import { useMemo, useState } from 'react';
import { Link } from 'react-router';
import { useQueries, useQuery } from '@tanstack/react-query';
import { Alert, Card, Col, Row, Segmented, Statistic, Table, Tag, Typography } from 'antd';
import { api, unwrap } from '../api/client.ts';
import { type ConsoleUser, agencyCodeOf, useSession } from '../auth/session.tsx';
import { Chart, type ChartOption } from '../components/Chart.tsx';
import { EmptyState, LoadError, Loading } from '../components/States.tsx';
import { type MessageKey, type Translate, useI18n } from '../i18n/index.tsx';
import { formatDate, formatDateTime } from '../time.ts';
import { type Entry, exchangeFigures, plusDays, vietnamToday } from '../components/dashboard/figures.ts';

/** Coloured tags keep dark text: the presets' light text fails WCAG AA contrast. */
const DARK = { color: 'rgba(0, 0, 0, 0.88)' };
const H2 = { fontSize: 16, margin: 0 };
const H3 = { fontSize: 14, margin: '8px 0' };

type AgreementFilter = { status: 'submitted' | 'custodian_approved' | 'changes_requested'; custodian?: string; consumer?: string };

/** The agreements waiting for this official, by role (a coordinator sees every submitted one). */
function awaitingFilters(user: ConsoleUser): AgreementFilter[] {
  const roles = new Set(user.roles);
  const agency = agencyCodeOf(user);
  const filters: AgreementFilter[] = [];
  if (roles.has('coordinator')) filters.push({ status: 'submitted' });
  else if (roles.has('custodian_admin')) filters.push({ status: 'submitted', custodian: agency });
  if (roles.has('approver')) filters.push({ status: 'custodian_approved' });
  if (roles.has('consumer_admin')) filters.push({ status: 'changes_requested', consumer: agency });
  return filters;
}

/** The roles that read the lifecycle (suspensions) and the sharing logs. */
const LIFECYCLE_ROLES = ['custodian_admin', 'coordinator', 'auditor'];
const ALL_LOGS_ROLES = ['coordinator', 'auditor'];
/** How many log entries the dashboard reads at most (the reports module will keep these figures). */
const ENTRY_CAP = 5000;
const PAGE = 1000;
const STALE_MS = 10 * 60_000;

interface ServiceSuspension {
  id: string;
  kind: 'planned' | 'force_majeure';
  dataset_code: string;
  custodian_code: string;
  starts_at: string;
  notice_due_at: string | null;
  ended_at: string | null;
  notice: { reference: string } | null;
  notice_overdue: boolean;
}
interface ConsumerSuspension {
  id: string;
  reference: string;
  dataset_code: string;
  system_code: string;
  consumer_code: string;
  notice_due_at: string;
  notified_at: string | null;
  restored_at: string | null;
  notice_late: boolean;
}
function Figure({
  title,
  value,
  loading,
  testId,
  prefix,
}: {
  title: string;
  value: number | string | undefined | null;
  loading: boolean;
  testId: string;
  prefix?: string;
}) {
  return (
    <Card>
      <Statistic title={title} value={value ?? '—'} loading={loading} data-testid={testId} prefix={prefix} />
    </Card>
  );
}

function ago(iso: string, lang: string, now: number): string {
  const rtf = new Intl.RelativeTimeFormat(lang, { numeric: 'auto' });
  const s = Math.round((Date.parse(iso) - now) / 1000);
  if (Math.abs(s) < 60) return rtf.format(s, 'second');
  const m = Math.round(s / 60);
  if (Math.abs(m) < 60) return rtf.format(m, 'minute');
  const h = Math.round(m / 60);
  if (Math.abs(h) < 48) return rtf.format(h, 'hour');
  return rtf.format(Math.round(h / 24), 'day');
}

interface Task {
  key: string;
  to: string;
  text: string;
  tag?: { text: string; red: boolean };
}

function TaskGroup({ title, items, testId }: { title: string; items: Task[]; testId: string }) {
  const { t } = useI18n();
  if (items.length === 0) return null;
  const shown = items.slice(0, 10);
  return (
    <section data-testid={testId}>
      <h3 style={H3}>
        {title} <Tag style={DARK}>{items.length}</Tag>
      </h3>
      <ul style={{ margin: 0, paddingInlineStart: 20 }}>
        {shown.map((i) => (
          <li key={i.key}>
            <Link to={i.to}>{i.text}</Link>
            {i.tag && (
              <>
                {' '}
                <Tag color={i.tag.red ? 'red' : 'gold'} style={DARK}>
                  {i.tag.text}
                </Tag>
              </>
            )}
          </li>
        ))}
        {items.length > shown.length && <li>{t('dash.tasks.more', { n: items.length - shown.length })}</li>}
      </ul>
    </section>
  );
}

function MyTasks({ user }: { user: ConsoleUser }) {
  const { t } = useI18n();
  const roles = new Set(user.roles);
  const agency = agencyCodeOf(user);
  const lifecycle = LIFECYCLE_ROLES.some((r) => roles.has(r));
  const filters = awaitingFilters(user);
  const today = vietnamToday();
  const horizon = plusDays(today, 30);

  const awaiting = useQueries({
    queries: filters.map((f) => ({
      queryKey: ['agreements', 'tasks', f],
      queryFn: async () => ({ filter: f, ...unwrap(await api.GET('/api/v1/agreements', { params: { query: { ...f, limit: 100 } } })) }),
    })),
  });
  const expiring = useQuery({
    queryKey: ['agreements', 'tasks', 'active'],
    queryFn: async () => unwrap(await api.GET('/api/v1/agreements', { params: { query: { status: 'active', limit: 200 } } })),
  });
  const stops = useQuery({
    queryKey: ['service-suspensions', 'open'],
    enabled: lifecycle,
    queryFn: async () =>
      unwrap(await api.GET('/api/v1/service-suspensions', { params: { query: { open: true } } })) as unknown as { items: ServiceSuspension[] },
  });
  const cs = useQuery({
    queryKey: ['consumer-suspensions'],
    enabled: lifecycle,
    queryFn: async () => unwrap(await api.GET('/api/v1/consumer-suspensions', {})) as unknown as { items: ConsumerSuspension[] },
  });

  const pending = awaiting.some((q) => q.isPending) || expiring.isPending || (lifecycle && (stops.isPending || cs.isPending));
  const failed = [...awaiting, expiring, ...(lifecycle ? [stops, cs] : [])].find((q) => q.isError);
  if (pending) return <Loading />;
  if (failed)
    return (
      <LoadError
        error={failed.error}
        retry={() => {
          for (const q of awaiting) void q.refetch();
          void expiring.refetch();
          void stops.refetch();
          void cs.refetch();
        }}
      />
    );

  const agreementTask = (a: { id: string; dataset_code: string; system_code: string; consumer_code: string }) => ({
    key: a.id,
    to: `/agreements/${a.id}`,
    text: t('dash.tasks.agreementItem', { dataset: a.dataset_code, system: a.system_code, consumer: a.consumer_code }),
  });
  const groups: { key: string; title: MessageKey; items: Task[] }[] = [];
  for (const q of awaiting) {
    const d = q.data!;
    const title: MessageKey =
      d.filter.status === 'submitted' ? 'dash.tasks.review' : d.filter.status === 'custodian_approved' ? 'dash.tasks.second' : 'dash.tasks.changes';
    groups.push({ key: title.slice('dash.tasks.'.length), title, items: d.items.map(agreementTask) });
  }
  const mine = (a: { consumer_code: string; custodian_code: string }) =>
    ALL_LOGS_ROLES.some((r) => roles.has(r)) || a.consumer_code === agency || a.custodian_code === agency;
  groups.push({
    key: 'expiring',
    title: 'dash.tasks.expiring',
    items: (expiring.data?.items ?? [])
      .filter((a) => mine(a) && a.valid_to >= today && a.valid_to <= horizon)
      .sort((a, b) => a.valid_to.localeCompare(b.valid_to))
      .map((a) => ({
        ...agreementTask(a),
        tag: { text: t('dash.tasks.expiringItem', { date: formatDate(a.valid_to) }), red: a.valid_to <= plusDays(today, 7) },
      })),
  });
  if (lifecycle) {
    groups.push({
      key: 'stops',
      title: 'dash.tasks.stops',
      items: (stops.data?.items ?? [])
        .filter((s) => !s.ended_at && (s.notice_overdue || (s.notice_due_at !== null && s.notice === null)))
        .map((s) => ({
          key: s.id,
          to: '/lifecycle',
          text: `${s.dataset_code} — ${formatDateTime(s.starts_at)}`,
          tag: s.notice_overdue
            ? { text: t('dash.tasks.stopOverdue'), red: true }
            : { text: t('dash.tasks.stopDue', { at: formatDateTime(s.notice_due_at!) }), red: false },
        })),
    });
    const now = Date.now();
    groups.push({
      key: 'cs',
      title: 'dash.tasks.cs',
      items: (cs.data?.items ?? [])
        .filter((s) => !s.restored_at && (s.notice_late || Date.parse(s.notice_due_at) > now))
        .map((s) => ({
          key: s.id,
          to: '/lifecycle',
          text: `${s.reference} — ${s.dataset_code} / ${s.system_code}`,
          tag: s.notice_late
            ? { text: t('dash.tasks.csLate'), red: true }
            : { text: t('dash.tasks.csRunning', { at: formatDateTime(s.notice_due_at) }), red: false },
        })),
    });
  }
  if (groups.every((g) => g.items.length === 0)) return <EmptyState text={t('dash.tasks.empty')} />;
  return (
    <>
      {groups.map((g) => (
        <TaskGroup key={g.key} title={t(g.title)} items={g.items} testId={`tasks-${g.key}`} />
      ))}
    </>
  );
}

type Period = 'today' | '7' | '30';

/** The logs this official reads: its own agency's (custodian admin), or every log (coordinator, auditor). */
function useLogs(user: ConsoleUser) {
  const roles = new Set(user.roles);
  const all = ALL_LOGS_ROLES.some((r) => roles.has(r));
  const own = roles.has('custodian_admin') ? agencyCodeOf(user) : undefined;
  return useQuery({
    queryKey: ['ledger', 'keys', all, own],
    enabled: all || !!own,
    queryFn: async (): Promise<string[]> => {
      if (!all) return [own!];
      return unwrap(await api.GET('/api/v1/ledger/keys')).keys.map((k) => k.log);
    },
  });
}

function BarChart({
  rows,
  label,
  t,
  testId,
  caption,
  refusedOnly = false,
}: {
  rows: [string, number, number][];
  label: string;
  t: Translate;
  testId: string;
  caption: string;
  refusedOnly?: boolean;
}) {
  const option = useMemo<ChartOption>(
    () => ({
      grid: { left: 8, right: 24, top: 32, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: { type: 'category', inverse: true, data: rows.map((r) => r[0]), axisLabel: { width: 180, overflow: 'truncate' } },
      series: [
        ...(refusedOnly ? [] : [{ type: 'bar', stack: 'n', name: t('dash.ex.served'), data: rows.map((r) => r[1]), itemStyle: { color: '#2e7d32' } }]),
        {
          type: 'bar',
          stack: 'n',
          name: t('dash.ex.refused'),
          data: rows.map((r) => r[2]),
          itemStyle: { color: '#b71c1c' },
          label: { show: refusedOnly, position: 'right' },
        },
      ],
    }),
    [rows, t, refusedOnly],
  );
  return (
    <div data-testid={testId}>
      <Chart option={option} label={label} height={Math.max(160, 36 * rows.length + 60)} />
      <table className="visually-hidden">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{caption}</th>
            {!refusedOnly && <th scope="col">{t('dash.ex.served')}</th>}
            <th scope="col">{t('dash.ex.refused')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r[0]}>
              <th scope="row">{r[0]}</th>
              {!refusedOnly && <td>{r[1]}</td>}
              <td>{r[2]}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Exchanges({ logs }: { logs: string[] }) {
  const { t } = useI18n();
  const [period, setPeriod] = useState<Period>('today');
  const from = `${plusDays(vietnamToday(), period === 'today' ? 0 : period === '7' ? -6 : -29)}T00:00:00+07:00`;
  const read = useQuery({
    queryKey: ['ledger', 'dashboard', logs, period],
    refetchInterval: 60_000,
    queryFn: async () => {
      const to = new Date(Date.now() + 60_000).toISOString();
      const entries: Entry[] = [];
      let capped = false;
      for (const log of logs) {
        let after: number | undefined;
        for (;;) {
          const left = ENTRY_CAP - entries.length;
          if (left <= 0) {
            capped = true;
            break;
          }
          const page = unwrap(
            await api.GET('/api/v1/ledger/{custodian}/entries', {
              params: { path: { custodian: log }, query: { from, to, limit: Math.min(PAGE, left), ...(after !== undefined && { after }) } },
            }),
          );
          for (const i of page.items) if (i.entry) entries.push(i.entry as unknown as Entry);
          if (page.next_after === null) break;
          after = page.next_after;
        }
        if (capped) break;
      }
      return { entries, capped };
    },
  });
  const figures = useMemo(() => (read.data ? exchangeFigures(read.data.entries, t('dash.ex.unknown')) : null), [read.data, t]);
  const ge = read.data?.capped ? '≥ ' : undefined;
  const statusRows = useMemo<[string, number, number][]>(
    () => (figures?.byStatus ?? []).map(([s, n]) => [t('dash.ex.status', { status: s }), 0, n]),
    [figures, t],
  );

  return (
    <Card
      title={<h2 style={H2}>{t('dash.ex.title')}</h2>}
      style={{ marginTop: 16 }}
      extra={
        <Segmented<Period>
          aria-label={t('dash.ex.period')}
          value={period}
          onChange={setPeriod}
          options={[
            { value: 'today', label: t('dash.ex.today') },
            { value: '7', label: t('dash.ex.d7') },
            { value: '30', label: t('dash.ex.d30') },
          ]}
        />
      }
    >
      {read.isPending ? (
        <Loading />
      ) : read.isError ? (
        <LoadError error={read.error} retry={() => void read.refetch()} />
      ) : (
        <>
          <Typography.Paragraph type="secondary">{t('dash.ex.logs', { logs: logs.join(', ') })}</Typography.Paragraph>
          {read.data.capped && <Alert type="warning" showIcon style={{ marginBottom: 16 }} message={t('dash.ex.capped', { n: ENTRY_CAP })} />}
          <Row gutter={[16, 16]}>
            <Col xs={12} xl={6}>
              <Figure title={t('dash.ex.total')} value={figures!.total} prefix={ge} loading={false} testId="ex-total" />
            </Col>
            <Col xs={12} xl={6}>
              <Figure title={t('dash.ex.refused')} value={figures!.refused} prefix={ge} loading={false} testId="ex-refused" />
            </Col>
            <Col xs={12} xl={6}>
              <Figure title={t('dash.ex.median')} value={figures!.median} loading={false} testId="ex-median" />
            </Col>
            <Col xs={12} xl={6}>
              <Figure title={t('dash.ex.p95')} value={figures!.p95} loading={false} testId="ex-p95" />
            </Col>
          </Row>
          {figures!.total === 0 ? (
            <EmptyState text={t('dash.ex.none')} />
          ) : (
            <Row gutter={[16, 16]} style={{ marginTop: 8 }}>
              <Col xs={24} xl={12}>
                <h3 style={H3}>{t('dash.ex.byDataset')}</h3>
                <BarChart rows={figures!.byDataset} label={t('dash.ex.chartDataset')} caption={t('dash.ex.byDataset')} t={t} testId="ex-by-dataset" />
              </Col>
              <Col xs={24} xl={12}>
                <h3 style={H3}>{t('dash.ex.byConsumer')}</h3>
                <BarChart rows={figures!.byConsumer} label={t('dash.ex.chartConsumer')} caption={t('dash.ex.byConsumer')} t={t} testId="ex-by-consumer" />
              </Col>
              <Col xs={24}>
                <h3 style={H3}>{t('dash.ex.byStatus')}</h3>
                <Typography.Paragraph type="secondary">{t('dash.ex.statusNote')}</Typography.Paragraph>
                {statusRows.length ? (
                  <BarChart rows={statusRows} label={t('dash.ex.chartStatus')} caption={t('dash.ex.byStatus')} t={t} testId="ex-by-status" refusedOnly />
                ) : (
                  <EmptyState />
                )}
              </Col>
            </Row>
          )}
        </>
      )}
    </Card>
  );
}

function Checkpoints({ logs }: { logs: string[] }) {
  const { t, lang } = useI18n();
  const cps = useQueries({
    queries: logs.map((log) => ({
      queryKey: ['ledger', 'checkpoint', log],
      refetchInterval: 60_000,
      queryFn: async () => {
        const r = await api.GET('/api/v1/ledger/{custodian}/checkpoint', { params: { path: { custodian: log } } });
        if (r.response.status === 404) return { log, cp: null };
        return { log, cp: unwrap(r) };
      },
    })),
  });
  const now = Date.now();
  const failed = cps.find((q) => q.isError);
  return (
    <Card title={<h2 style={H2}>{t('dash.cp.title')}</h2>} style={{ marginTop: 16 }}>
      {cps.some((q) => q.isPending) ? (
        <Loading />
      ) : failed ? (
        <LoadError
          error={failed.error}
          retry={() => {
            for (const q of cps) void q.refetch();
          }}
        />
      ) : (
        <Table
          data-testid="checkpoints"
          rowKey="log"
          size="small"
          pagination={false}
          dataSource={cps.map((q) => q.data!)}
          columns={[
            { title: t('dash.cp.log'), dataIndex: 'log' },
            { title: t('dash.cp.size'), render: (_, r) => r.cp?.tree_size ?? '—' },
            { title: t('dash.cp.at'), render: (_, r) => (r.cp ? formatDateTime(r.cp.timestamp) : t('dash.cp.none')) },
            {
              title: t('dash.cp.age'),
              render: (_, r) => {
                if (!r.cp) return '—';
                const stale = now - Date.parse(r.cp.timestamp) > STALE_MS;
                return (
                  <span data-testid={`cp-age-${r.log}`}>
                    {ago(r.cp.timestamp, lang, now)}{' '}
                    <Tag color={stale ? 'red' : 'green'} style={DARK}>
                      {t(stale ? 'dash.cp.stale' : 'dash.cp.fresh')}
                    </Tag>
                  </span>
                );
              },
            },
          ]}
        />
      )}
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
  const domains = useQuery({
    queryKey: ['domains'],
    queryFn: async () => unwrap(await api.GET('/api/v1/domains')),
  });
  const logs = useLogs(user);

  const option = useMemo<ChartOption | null>(() => {
    if (!domains.data) return null;
    const rows = domains.data.filter((d) => d.dataset_count > 0);
    return {
      grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: {
        type: 'category',
        inverse: true,
        data: rows.map((d) => (lang === 'vi' ? d.name_vi : d.name_en)),
        axisLabel: { width: 220, overflow: 'truncate' },
      },
      series: [
        {
          type: 'bar',
          name: t('dashboard.chart.series'),
          data: rows.map((d) => d.dataset_count),
          itemStyle: { color: '#b71c1c' },
          label: { show: true, position: 'right' },
        },
      ],
    };
  }, [domains.data, lang, t]);

  return (
    <>
      <Typography.Title level={1} style={{ fontSize: 24, marginTop: 0 }}>
        {t('dashboard.title')}
      </Typography.Title>
      <Typography.Paragraph type="secondary">{t('dashboard.welcome', { name: user.full_name })}</Typography.Paragraph>
      <Row gutter={[16, 16]}>
        <Col xs={24} sm={12} xl={8}>
          <Figure title={t('dashboard.unread')} value={unread.data} loading={unread.isPending} testId="figure-unread" />
        </Col>
        <Col xs={24} sm={12} xl={8}>
          <Figure title={t('dashboard.datasets')} value={datasets.data} loading={datasets.isPending} testId="figure-datasets" />
        </Col>
        <Col xs={24} sm={12} xl={8}>
          <Figure title={t('dashboard.active')} value={active.data} loading={active.isPending} testId="figure-active" />
        </Col>
      </Row>
      <Card title={<h2 style={H2}>{t('dash.tasks.title')}</h2>} style={{ marginTop: 16 }} data-testid="my-tasks">
        <MyTasks user={user} />
      </Card>
      {logs.isError && (
        <div style={{ marginTop: 16 }}>
          <LoadError error={logs.error} retry={() => void logs.refetch()} />
        </div>
      )}
      {logs.data && logs.data.length > 0 && <Exchanges logs={logs.data} />}
      {logs.data && logs.data.length > 0 && <Checkpoints logs={logs.data} />}
      <Card title={<h2 style={H2}>{t('dashboard.chart.title')}</h2>} style={{ marginTop: 16 }}>
        {domains.isPending ? (
          <Loading />
        ) : domains.isError ? (
          <LoadError error={domains.error} retry={() => void domains.refetch()} />
        ) : option && domains.data.some((d) => d.dataset_count > 0) ? (
          <>
            <Chart option={option} label={t('dashboard.chart.label')} height={Math.max(240, 40 * domains.data.filter((d) => d.dataset_count > 0).length)} />
            <table className="visually-hidden">
              <caption>{t('dashboard.chart.title')}</caption>
              <tbody>
                {domains.data
                  .filter((d) => d.dataset_count > 0)
                  .map((d) => (
                    <tr key={d.code}>
                      <th scope="row">{lang === 'vi' ? d.name_vi : d.name_en}</th>
                      <td>{d.dataset_count}</td>
                    </tr>
                  ))}
              </tbody>
            </table>
          </>
        ) : (
          <EmptyState />
        )}
      </Card>
    </>
  );
}
