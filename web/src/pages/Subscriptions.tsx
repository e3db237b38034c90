import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Alert, Flex, Input, Select, Table, Tag, Typography } from 'antd';
import type { TableProps } from 'antd';
import { api, unwrap } from '../api/client.ts';
import type { paths } from '../api/schema.d.ts';
import { EmptyState, LoadError } from '../components/States.tsx';
import { useUrlFilters } from '../components/useUrlFilters.ts';
import { type MessageKey, useI18n } from '../i18n/index.tsx';
import { formatDateTime } from '../time.ts';

type Subscription = paths['/api/v1/subscriptions']['get']['responses'][200]['content']['application/json']['items'][number];
type State = 'active' | 'paused' | 'disabled';

/** Coloured tags keep dark text: the presets' light text fails WCAG AA contrast. */
const DARK = { color: 'rgba(0, 0, 0, 0.88)' };
const STATE_COLOURS: Record<Subscription['state'], string> = { active: 'green', paused: 'gold', disabled: 'red', deleted: 'default' };

/**
 * The push subscriptions of the official's datasets with their delivery status (docs/push.md):
 * custodian administrators see their agency's datasets, the coordinator and auditors all. Read
 * only: the consumer replays through the API, and the custodian stops deliveries by suspending
 * the connection or terminating the agreement.
 */
export default function Subscriptions() {
  const { t } = useI18n();
  const { params, update } = useUrlFilters();
  const state = (params.get('state') ?? undefined) as State | undefined;
  const dataset = params.get('dataset') ?? undefined;
  const query = { ...(state && { state }), ...(dataset && { dataset }) };
  const list = useQuery({
    queryKey: ['subscriptions', query],
    queryFn: async () => unwrap(await api.GET('/api/v1/subscriptions', { params: { query } })),
    placeholderData: keepPreviousData,
    refetchInterval: 10_000,
  });
  const when = (v: string | null) => (v ? formatDateTime(v) : t('push.never'));

  const columns: TableProps<Subscription>['columns'] = [
    { key: 'dataset', title: t('push.col.dataset'), render: (_, s) => <Typography.Text code>{s.dataset}</Typography.Text> },
    { key: 'system', title: t('push.col.system'), render: (_, s) => `${s.system} (${s.agency})` },
    {
      key: 'url',
      title: t('push.col.url'),
      responsive: ['xl'],
      render: (_, s) => <Typography.Text style={{ wordBreak: 'break-all' }}>{s.url}</Typography.Text>,
    },
    {
      key: 'state',
      title: t('push.col.state'),
      render: (_, s) => (
        <>
          <Tag color={STATE_COLOURS[s.state]} style={DARK} data-testid={`push-state-${s.id}`}>
            {t(`push.state.${s.state}` as MessageKey)}
          </Tag>
          {s.state_reason && <div style={{ fontSize: 12 }}>{s.state_reason}</div>}
        </>
      ),
    },
    { key: 'sent', title: t('push.col.sent'), align: 'right', render: (_, s) => s.status.sent_count.toLocaleString('vi-VN') },
    { key: 'success', title: t('push.col.success'), responsive: ['lg'], render: (_, s) => when(s.status.last_success_at) },
    {
      key: 'failure',
      title: t('push.col.failure'),
      render: (_, s) =>
        s.status.last_failure_at ? (
          <>
            <div>{formatDateTime(s.status.last_failure_at)}</div>
            <div style={{ fontSize: 12 }}>{s.status.last_failure_reason}</div>
          </>
        ) : (
          t('push.never')
        ),
    },
    { key: 'failures', title: t('push.col.failures'), align: 'right', render: (_, s) => s.status.consecutive_failures },
    {
      key: 'next',
      title: t('push.col.next'),
      responsive: ['lg'],
      render: (_, s) => (s.status.next_attempt_at ? formatDateTime(s.status.next_attempt_at) : '—'),
    },
  ];

  return (
    <>
      <Typography.Title level={1} style={{ fontSize: 24, marginTop: 0 }}>
        {t('push.title')}
      </Typography.Title>
      <Typography.Paragraph>{t('push.intro')}</Typography.Paragraph>
      <Alert type="info" showIcon title={t('push.replay.note')} style={{ marginBottom: 16 }} />
      <Flex gap={8} wrap style={{ marginBottom: 16 }}>
        <Select
          allowClear
          aria-label={t('push.filter.state')}
          placeholder={t('push.filter.state')}
          style={{ minWidth: 200 }}
          value={state}
          onChange={(v: State | undefined) => update({ state: v })}
          options={(['active', 'paused', 'disabled'] as const).map((s) => ({ value: s, label: t(`push.state.${s}`) }))}
        />
        <Input.Search
          allowClear
          aria-label={t('push.filter.dataset')}
          placeholder={t('push.filter.dataset')}
          style={{ maxWidth: 280 }}
          defaultValue={dataset}
          onSearch={(v) => update({ dataset: v.trim() || undefined })}
        />
      </Flex>
      {list.isError ? (
        <LoadError error={list.error} retry={() => void list.refetch()} />
      ) : (
        <Table<Subscription>
          rowKey="id"
          size="middle"
          columns={columns}
          dataSource={list.data?.items ?? []}
          loading={list.isFetching && !list.data}
          pagination={{ pageSize: 50, hideOnSinglePage: true }}
          locale={{ emptyText: list.isPending ? ' ' : <EmptyState text={t('push.empty')} /> }}
        />
      )}
    </>
  );
}
