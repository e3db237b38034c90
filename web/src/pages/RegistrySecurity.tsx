import { useEffect, useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Card, DatePicker, Flex, Form, Input, Select, Table, Typography } from 'antd';
import type { TableProps } from 'antd';
import dayjs from 'dayjs';
import { api, unwrap } from '../api/client.ts';
import type { paths } from '../api/schema.d.ts';
import { Pill } from '../components/registry/Pill.tsx';
import { EmptyState, LoadError } from '../components/States.tsx';
import { useUrlFilters } from '../components/useUrlFilters.ts';
import { DATE_FORMAT, type MessageKey, useI18n } from '../i18n/index.tsx';
import { formatDateTime } from '../time.ts';

type Query = NonNullable<paths['/api/v1/security-events']['get']['parameters']['query']>;
type Kind = NonNullable<Query['kind']>;
type Event = paths['/api/v1/security-events']['get']['responses'][200]['content']['application/json']['items'][number];

const KINDS: Kind[] = [
  'sign_in_succeeded',
  'sign_in_failed',
  'account_locked',
  'enrolment_issued',
  'enrolment_completed',
  'roles_changed',
  'credentials_reset',
  'session_revoked',
];
const KIND_COLOR: Record<string, string> = {
  sign_in_succeeded: 'green',
  sign_in_failed: 'orange',
  account_locked: 'red',
  enrolment_issued: 'blue',
  enrolment_completed: 'cyan',
  credentials_reset: 'purple',
  session_revoked: 'default',
  roles_changed: 'gold',
};
const PAGE_SIZE = 25;

/** A calendar day (YYYY-MM-DD) in Viet Nam as the RFC 3339 instant it starts at. */
function dayStart(day: string): string {
  return `${day}T00:00:00+07:00`;
}

/** Security events of accounts (GET /api/v1/security-events): coordinator and auditor; filters in the URL. */
export default function RegistrySecurity() {
  const { t } = useI18n();
  const { params, page, update } = useUrlFilters();
  const username = params.get('username') ?? '';
  const kind = (params.get('kind') ?? undefined) as Kind | undefined;
  const from = params.get('from') ?? undefined;
  const to = params.get('to') ?? undefined;
  const [text, setText] = useState(username);
  useEffect(() => setText(username), [username]);

  const query: Query = {
    limit: PAGE_SIZE,
    offset: (page - 1) * PAGE_SIZE,
    ...(username && { username }),
    ...(kind && { kind }),
    ...(from && { from: dayStart(from) }),
    // The last day is included: the API's `to` is exclusive.
    ...(to && { to: dayStart(dayjs(to).add(1, 'day').format('YYYY-MM-DD')) }),
  };
  const list = useQuery({
    queryKey: ['security-events', query],
    queryFn: async () => unwrap(await api.GET('/api/v1/security-events', { params: { query } })),
    placeholderData: keepPreviousData,
  });
  const kindLabel = (k: string) => t(`security.kind.${k}` as MessageKey) ?? k;

  const columns: TableProps<Event>['columns'] = [
    { key: 'at', title: t('security.col.at'), width: 150, render: (_, e) => formatDateTime(e.at) },
    { key: 'username', title: t('security.col.username'), width: 150, render: (_, e) => <Typography.Text code>{e.username}</Typography.Text> },
    { key: 'kind', title: t('security.col.kind'), width: 230, render: (_, e) => <Pill tone={KIND_COLOR[e.kind]}>{kindLabel(e.kind)}</Pill> },
    { key: 'actor', title: t('security.col.actor'), dataIndex: 'actor', width: 130 },
    { key: 'address', title: t('security.col.address'), width: 140, render: (_, e) => e.client_address ?? '—' },
    {
      key: 'detail',
      title: t('security.col.detail'),
      render: (_, e) => {
        const entries = Object.entries(e.detail ?? {});
        return entries.length ? (
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {entries.map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`).join('; ')}
          </Typography.Text>
        ) : (
          '—'
        );
      },
    },
  ];

  return (
    <>
      <Typography.Title level={1} style={{ fontSize: 24, marginTop: 0 }}>
        {t('security.title')}
      </Typography.Title>
      <Card style={{ marginBottom: 16 }}>
        <Form layout="vertical" role="search" aria-label={t('security.title')} onSubmitCapture={(e) => e.preventDefault()}>
          <Flex wrap gap={16} align="flex-end">
            <Form.Item label={t('security.username')} htmlFor="security-username" style={{ flex: '1 1 220px', marginBottom: 0 }}>
              <Input.Search
                id="security-username"
                value={text}
                allowClear
                enterButton={t('common.search')}
                onChange={(e) => setText(e.target.value)}
                onSearch={(v) => update({ username: v.trim() || undefined })}
              />
            </Form.Item>
            <Form.Item label={t('security.kind')} htmlFor="security-kind" style={{ flex: '1 1 220px', marginBottom: 0 }}>
              <Select
                id="security-kind"
                allowClear
                placeholder={t('common.all')}
                value={kind}
                onChange={(v?: string) => update({ kind: v })}
                options={KINDS.map((k) => ({ value: k, label: kindLabel(k) }))}
                popupMatchSelectWidth={false}
              />
            </Form.Item>
            <Form.Item label={t('security.range.from')} htmlFor="security-from" style={{ flex: '0 1 170px', marginBottom: 0 }}>
              <DatePicker
                id="security-from"
                format={DATE_FORMAT}
                value={from ? dayjs(from) : null}
                onChange={(d) => update({ from: d ? d.format('YYYY-MM-DD') : undefined })}
                style={{ width: '100%' }}
              />
            </Form.Item>
            <Form.Item label={t('security.range.to')} htmlFor="security-to" style={{ flex: '0 1 170px', marginBottom: 0 }}>
              <DatePicker
                id="security-to"
                format={DATE_FORMAT}
                value={to ? dayjs(to) : null}
                onChange={(d) => update({ to: d ? d.format('YYYY-MM-DD') : undefined })}
                style={{ width: '100%' }}
              />
            </Form.Item>
          </Flex>
        </Form>
      </Card>
      {list.isError ? (
        <LoadError error={list.error} retry={() => void list.refetch()} />
      ) : (
        <Table<Event>
          rowKey="id"
          data-testid="security-table"
          columns={columns}
          dataSource={list.data?.items ?? []}
          loading={list.isFetching}
          locale={{ emptyText: list.isPending ? ' ' : <EmptyState text={t('security.empty')} /> }}
          pagination={{
            current: page,
            pageSize: PAGE_SIZE,
            total: list.data?.total ?? 0,
            showSizeChanger: false,
            showTotal: (n) => t('common.total', { n }),
            onChange: (p) => update({ page: p > 1 ? String(p) : undefined }),
          }}
        />
      )}
    </>
  );
}
