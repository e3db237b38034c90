import { useQuery } from '@tanstack/react-query';
import { Card, Table, Typography } from 'antd';
import type { TableProps } from 'antd';
import type { paths } from '../../api/schema.d.ts';
import { EmptyState } from '../States.tsx';
import { useI18n } from '../../i18n/index.tsx';
import { formatDateTime } from '../../time.ts';
import { Refusal, useLabel } from './shared.tsx';

export type Change = paths['/api/v1/datasets/{code}/history']['get']['responses'][200]['content']['application/json'][number];

const show = (v: unknown) => (v === null || v === undefined ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v));

/** The change history of one catalog object (a dataset, a dictionary entry, a code list): who changed what, when, why. */
export function HistoryCard({ title, queryKey, load, testId }: { title: string; queryKey: readonly unknown[]; load: () => Promise<Change[]>; testId: string }) {
  const { t } = useI18n();
  const label = useLabel();
  const history = useQuery({ queryKey, queryFn: load });
  const columns: TableProps<Change>['columns'] = [
    { key: 'at', title: t('ds.h.at'), width: 160, render: (_, c) => formatDateTime(c.at) },
    { key: 'action', title: t('ds.h.action'), width: 150, render: (_, c) => label('ds.action', c.action) },
    { key: 'entity', title: t('ds.h.entity'), width: 150, render: (_, c) => c.entity },
    { key: 'actor', title: t('ds.h.actor'), width: 130, dataIndex: 'actor' },
    {
      key: 'changes',
      title: t('ds.h.changes'),
      render: (_, c) => (
        <ul style={{ margin: 0, paddingInlineStart: 16 }}>
          {Object.entries(c.changes)
            .slice(0, 8)
            .map(([k, v]) => (
              <li key={k}>
                <Typography.Text code>{k}</Typography.Text>: {show(v.from).slice(0, 60)} → {show(v.to).slice(0, 60)}
              </li>
            ))}
        </ul>
      ),
    },
    { key: 'reason', title: t('ds.h.reason'), width: 180, render: (_, c) => c.reason ?? '—' },
  ];
  return (
    <Card
      title={
        <Typography.Title level={2} style={{ fontSize: 18, margin: 0 }}>
          {title}
        </Typography.Title>
      }
    >
      {history.isError ? (
        <Refusal error={history.error} retry={() => void history.refetch()} />
      ) : (
        <Table<Change>
          rowKey="id"
          data-testid={testId}
          size="small"
          columns={columns}
          dataSource={history.data ?? []}
          loading={history.isFetching}
          scroll={{ x: 1000 }}
          pagination={{ pageSize: 10, showSizeChanger: false, hideOnSinglePage: true }}
          locale={{ emptyText: history.isPending ? ' ' : <EmptyState /> }}
        />
      )}
    </Card>
  );
}
