import { useState } from 'react';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App as AntApp, Button, Drawer, Space, Table, Tag, Typography } from 'antd';
import type { TableProps } from 'antd';
import { api, unwrap } from '../api/client.ts';
import type { paths } from '../api/schema.d.ts';
import { useSession } from '../auth/session.tsx';
import { ProblemAlert } from '../components/accounts/ProblemAlert.tsx';
import { type Schedule, ScheduleForm } from '../components/schedules/ScheduleForm.tsx';
import { EmptyState, LoadError } from '../components/States.tsx';
import { type MessageKey, useI18n } from '../i18n/index.tsx';
import { formatDateTime } from '../time.ts';

type Run = paths['/api/v1/schedules/{id}/runs']['get']['responses'][200]['content']['application/json']['items'][number];
const PAGE_SIZE = 20;
const ACTING_ROLES = ['custodian_admin', 'consumer_admin', 'coordinator'];

/** Tag colours darkened from antd's presets, so their text meets WCAG AA contrast (4.5:1). */
const TONES = {
  good: { color: '#135200', background: '#f6ffed', borderColor: '#95de64' },
  warn: { color: '#873800', background: '#fff7e6', borderColor: '#ffc069' },
  bad: { color: '#a8071a', background: '#fff1f0', borderColor: '#ffa39e' },
  off: { color: 'rgba(0, 0, 0, 0.75)', background: '#fafafa', borderColor: '#d9d9d9' },
} as const;
const RUN_TONES: Record<string, keyof typeof TONES> = {
  succeeded: 'good',
  partial: 'warn',
  failed: 'bad',
  refused: 'bad',
  interrupted: 'off',
  running: 'warn',
};

function RunStatus({ run }: { run: Run | null }) {
  const { t } = useI18n();
  if (!run) return <Typography.Text type="secondary">{t('sched.run.none')}</Typography.Text>;
  return (
    <Space size={4} wrap>
      <Tag style={TONES[RUN_TONES[run.status] ?? 'off']} data-testid="run-status">
        {t(`sched.run.${run.status}` as MessageKey)}
      </Tag>
      {run.rule && <Tag style={TONES.bad}>{run.rule}</Tag>}
      <Typography.Text type="secondary">{formatDateTime(run.started_at)}</Typography.Text>
    </Space>
  );
}

/** The runs of one schedule, newest first: counts, the refused records with their keys and reasons, the error. */
function Runs({ schedule }: { schedule: Schedule }) {
  const { t, lang } = useI18n();
  const runs = useQuery({
    queryKey: ['schedule-runs', schedule.id],
    queryFn: async () => unwrap(await api.GET('/api/v1/schedules/{id}/runs', { params: { path: { id: schedule.id }, query: { limit: PAGE_SIZE } } })),
  });
  if (runs.error) return <LoadError error={runs.error} retry={() => void runs.refetch()} />;
  const columns: TableProps<Run>['columns'] = [
    { title: t('sched.runs.started'), dataIndex: 'started_at', render: (v: string) => formatDateTime(v) },
    { title: t('sched.runs.finished'), dataIndex: 'finished_at', render: (v: string | null) => (v ? formatDateTime(v) : '—') },
    { title: t('sched.col.status'), key: 'status', render: (_, r) => <RunStatus run={r} /> },
    {
      title: t('sched.runs.counts'),
      key: 'counts',
      render: (_, r) => <span data-testid="run-counts">{[r.fetched, r.written, r.unchanged, r.deleted, r.refused, r.delivered].join(' / ')}</span>,
    },
    {
      title: t('sched.runs.error'),
      key: 'error',
      render: (_, r) => (
        <Space direction="vertical" size={2}>
          {(lang === 'vi' ? r.error : r.error_en) ?? ''}
          {r.errors.length > 0 && (
            <details>
              <summary>
                {t('sched.runs.errors')} ({r.refused})
              </summary>
              <ul style={{ margin: 0, paddingInlineStart: 18 }} data-testid="run-errors">
                {r.errors.map((e, i) => (
                  <li key={i}>
                    <code>{e.key ?? e.path}</code> {lang === 'vi' ? e.message : e.message_en}
                  </li>
                ))}
              </ul>
            </details>
          )}
        </Space>
      ),
    },
  ];
  return <Table<Run> rowKey="id" size="small" loading={runs.isLoading} dataSource={runs.data?.items ?? []} columns={columns} pagination={false} />;
}

/** Đồng bộ định kỳ / Scheduled synchronisation (R-6.1c): schedules with their next run, last run, run now and pause. */
export default function Schedules() {
  const { t } = useI18n();
  const { message } = AntApp.useApp();
  const { session } = useSession();
  const canAct = session!.user.roles.some((r) => ACTING_ROLES.includes(r));
  const qc = useQueryClient();
  const [page, setPage] = useState(1);
  const [open, setOpen] = useState<Schedule | null>(null);
  const [form, setForm] = useState<{ editing: Schedule | null } | null>(null);
  const query = { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE };
  const list = useQuery({
    queryKey: ['schedules', query],
    queryFn: async () => unwrap(await api.GET('/api/v1/schedules', { params: { query } })),
    placeholderData: keepPreviousData,
  });
  const refresh = () => Promise.all([qc.invalidateQueries({ queryKey: ['schedules'] }), qc.invalidateQueries({ queryKey: ['schedule-runs'] })]);

  const runNow = useMutation({
    mutationFn: async (id: string) => unwrap(await api.POST('/api/v1/schedules/{id}/run', { params: { path: { id } } })),
    onSuccess: async (run) => {
      void message.success(t('sched.done', { status: t(`sched.run.${run.status}` as MessageKey) }));
      await refresh();
    },
  });
  const toggle = useMutation({
    mutationFn: async (s: Schedule) =>
      unwrap(
        s.status === 'active'
          ? await api.POST('/api/v1/schedules/{id}/pause', { params: { path: { id: s.id } }, body: {} })
          : await api.POST('/api/v1/schedules/{id}/resume', { params: { path: { id: s.id } }, body: {} }),
      ),
    onSuccess: refresh,
  });

  const columns: TableProps<Schedule>['columns'] = [
    { title: t('sched.col.direction'), dataIndex: 'direction', render: (v: string) => t(`sched.direction.${v}` as MessageKey) },
    {
      title: t('sched.col.dataset'),
      dataIndex: 'dataset_code',
      render: (v: string, s) => (
        <Space direction="vertical" size={0}>
          <code>{v}</code>
          {s.consumer_code && <Typography.Text type="secondary">→ {s.consumer_code}</Typography.Text>}
        </Space>
      ),
    },
    { title: t('sched.col.cron'), dataIndex: 'cron', render: (v: string) => <code>{v}</code> },
    {
      title: t('sched.col.next'),
      dataIndex: 'next_run_at',
      render: (v: string | null, s) => <span data-testid="next-run">{s.status === 'active' && v ? formatDateTime(v) : '—'}</span>,
    },
    {
      title: t('sched.col.status'),
      dataIndex: 'status',
      render: (v: string) => <Tag style={TONES[v === 'active' ? 'good' : 'off']}>{t(`sched.status.${v}` as MessageKey)}</Tag>,
    },
    { title: t('sched.col.last'), key: 'last', render: (_, s) => <RunStatus run={s.last_run} /> },
    {
      title: t('sched.col.actions'),
      key: 'actions',
      render: (_, s) => (
        <Space wrap>
          <Button size="small" onClick={() => setOpen(s)}>
            {t('sched.runs')}
          </Button>
          {canAct && (
            <>
              <Button size="small" type="primary" loading={runNow.isPending && runNow.variables === s.id} onClick={() => runNow.mutate(s.id)}>
                {t('sched.runNow')}
              </Button>
              <Button size="small" onClick={() => toggle.mutate(s)}>
                {s.status === 'active' ? t('sched.pause') : t('sched.resume')}
              </Button>
              <Button size="small" onClick={() => setForm({ editing: s })}>
                {t('sched.edit')}
              </Button>
            </>
          )}
        </Space>
      ),
    },
  ];

  return (
    <>
      <Typography.Title level={1} style={{ fontSize: 24, marginTop: 0 }}>
        {t('sched.title')}
      </Typography.Title>
      <Typography.Paragraph type="secondary">{t('sched.intro')}</Typography.Paragraph>
      {canAct && (
        <Button type="primary" style={{ marginBottom: 16 }} onClick={() => setForm({ editing: null })}>
          {t('sched.new')}
        </Button>
      )}
      {(runNow.error || toggle.error) && <ProblemAlert error={runNow.error ?? toggle.error} testId="schedule-problem" />}
      {list.error ? (
        <LoadError error={list.error} retry={() => void list.refetch()} />
      ) : (
        <Table<Schedule>
          rowKey="id"
          loading={list.isLoading}
          dataSource={list.data?.items ?? []}
          columns={columns}
          locale={{ emptyText: <EmptyState text={t('sched.empty')} /> }}
          pagination={{ current: page, pageSize: PAGE_SIZE, total: list.data?.total ?? 0, onChange: setPage, showSizeChanger: false }}
          scroll={{ x: true }}
        />
      )}
      <Drawer open={open !== null} onClose={() => setOpen(null)} size="large" title={open ? t('sched.runs.title', { id: open.id.slice(-8) }) : ''}>
        {open && <Runs schedule={open} />}
      </Drawer>
      <ScheduleForm open={form !== null} editing={form?.editing ?? null} onClose={() => setForm(null)} />
    </>
  );
}
