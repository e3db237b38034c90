import { useEffect, useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Card, Flex, Form, Input, Select, Table, Typography } from 'antd';
import type { TableProps } from 'antd';
import { api, unwrap } from '../../api/client.ts';
import type { paths } from '../../api/schema.d.ts';
import { EmptyState, LoadError } from '../States.tsx';
import { useUrlFilters } from '../useUrlFilters.ts';
import { type MessageKey, useI18n } from '../../i18n/index.tsx';
import { formatDateTime } from '../../time.ts';

type Query = NonNullable<paths['/api/v1/lifecycle/events']['get']['parameters']['query']>;
type LifecycleEvent = paths['/api/v1/lifecycle/events']['get']['responses'][200]['content']['application/json']['items'][number];
type Entity = NonNullable<Query['entity']>;

const PAGE_SIZE = 20;
const ENTITIES: Entity[] = ['service_suspension', 'consumer_suspension', 'agreement', 'notice'];
const ACTIONS = ['schedule', 'record_stop', 'publish_notice', 'end', 'suspend', 'restore', 'remedied', 'terminate', 'correct'];

/** A translated label, or the code itself for one the console does not know yet. */
function useLabel() {
  const { t } = useI18n();
  return (prefix: string, code: string) => {
    return (t(`${prefix}.${code}` as MessageKey) as string | undefined) || code;
  };
}

/**
 * The lifecycle history (GET /api/v1/lifecycle/events, R-15, R-16): who did what, when and why,
 * newest first, paged by the server; the filters and the page are kept in the URL.
 */
export function LifecycleHistory({ seesEverything }: { seesEverything: boolean }) {
  const { t } = useI18n();
  const label = useLabel();
  const { params, page, update } = useUrlFilters();
  const custodian = params.get('custodian') ?? undefined;
  const entity = (params.get('entity') ?? undefined) as Entity | undefined;
  const action = params.get('action') ?? undefined;
  const [text, setText] = useState(custodian ?? '');
  useEffect(() => setText(custodian ?? ''), [custodian]);
  const query: Query = {
    limit: PAGE_SIZE,
    offset: (page - 1) * PAGE_SIZE,
    ...(custodian && { custodian }),
    ...(entity && { entity }),
    ...(action && { action }),
  };
  const events = useQuery({
    queryKey: ['lifecycle-events', query],
    queryFn: async () => unwrap(await api.GET('/api/v1/lifecycle/events', { params: { query } })),
    placeholderData: keepPreviousData,
  });
  const columns: TableProps<LifecycleEvent>['columns'] = [
    { key: 'at', title: t('lifecycle.h.at'), width: 170, render: (_, e) => <time dateTime={e.at}>{formatDateTime(e.at)}</time> },
    { key: 'entity', title: t('lifecycle.h.entity'), width: 190, render: (_, e) => label('lifecycle.entity', e.entity) },
    {
      key: 'action',
      title: t('lifecycle.h.action'),
      width: 190,
      render: (_, e) => <Typography.Text strong>{label('lifecycle.action', e.action)}</Typography.Text>,
    },
    {
      key: 'ref',
      title: t('lifecycle.cs.reference'),
      width: 150,
      render: (_, e) => String(e.details.reference ?? e.details.notice ?? e.details.corrects ?? '—'),
    },
    { key: 'actor', title: t('lifecycle.h.actor'), width: 170, render: (_, e) => (e.actor_agency ? `${e.actor} (${e.actor_agency})` : e.actor) },
    ...(seesEverything ? [{ key: 'custodian', title: t('lifecycle.h.custodian'), width: 120, dataIndex: 'custodian_code' }] : []),
    { key: 'reason', title: t('lifecycle.h.reason'), render: (_, e) => e.reason ?? '—' },
  ];
  return (
    <>
      <Card style={{ marginBottom: 16 }}>
        <Form layout="vertical" role="search" aria-label={t('lifecycle.h.filters')} onSubmitCapture={(e) => e.preventDefault()}>
          <Flex wrap gap={16} align="flex-end">
            {seesEverything && (
              <Form.Item label={t('lifecycle.h.custodian')} htmlFor="history-custodian" style={{ flex: '1 1 200px', marginBottom: 0 }}>
                <Input.Search
                  id="history-custodian"
                  value={text}
                  allowClear
                  enterButton={t('common.search')}
                  onChange={(e) => setText(e.target.value)}
                  onSearch={(v) => update({ custodian: v.trim() || undefined })}
                />
              </Form.Item>
            )}
            <Form.Item label={t('lifecycle.h.entity')} htmlFor="history-entity" style={{ flex: '1 1 200px', marginBottom: 0 }}>
              <Select
                id="history-entity"
                allowClear
                placeholder={t('common.all')}
                value={entity}
                onChange={(v?: string) => update({ entity: v })}
                options={ENTITIES.map((e) => ({ value: e, label: label('lifecycle.entity', e) }))}
              />
            </Form.Item>
            <Form.Item label={t('lifecycle.h.action')} htmlFor="history-action" style={{ flex: '1 1 200px', marginBottom: 0 }}>
              <Select
                id="history-action"
                allowClear
                placeholder={t('common.all')}
                value={action}
                onChange={(v?: string) => update({ action: v })}
                options={ACTIONS.map((a) => ({ value: a, label: label('lifecycle.action', a) }))}
              />
            </Form.Item>
          </Flex>
        </Form>
      </Card>
      {events.isError ? (
        <LoadError error={events.error} retry={() => void events.refetch()} />
      ) : (
        <Table<LifecycleEvent>
          rowKey="id"
          data-testid="history-table"
          columns={columns}
          dataSource={events.data?.items ?? []}
          loading={events.isFetching}
          locale={{ emptyText: events.isPending ? ' ' : <EmptyState text={t('lifecycle.h.empty')} /> }}
          pagination={{
            current: page,
            pageSize: PAGE_SIZE,
            total: events.data?.total ?? 0,
            showSizeChanger: false,
            showTotal: (n) => t('lifecycle.h.total', { n }),
            onChange: (p) => update({ page: p > 1 ? String(p) : undefined }),
          }}
        />
      )}
    </>
  );
}
