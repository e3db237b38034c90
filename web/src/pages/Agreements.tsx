import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Card, Flex, Form, Input, Select, Table, Typography } from 'antd';
import type { TableProps } from 'antd';
import { api, unwrap } from '../api/client.ts';
import { agencyCodeOf, useSession } from '../auth/session.tsx';
import { LinkButton } from '../components/LinkButton.tsx';
import { EmptyState, LoadError } from '../components/States.tsx';
import { type Agreement, type AgreementQuery, type AgreementStatus, STATUSES, StatusTag, useLabel, validity } from '../components/agreements/shared.tsx';
import { useUrlFilters } from '../components/useUrlFilters.ts';
import { useI18n } from '../i18n/index.tsx';
import { formatDateTime } from '../time.ts';

const PAGE_SIZE = 20;

/** Agreements (GET /api/v1/agreements): filters by status, dataset and my agency's role; server paging; all in the URL. */
export default function Agreements() {
  const { t } = useI18n();
  const label = useLabel();
  const { session } = useSession();
  const user = session!.user;
  const agency = agencyCodeOf(user);
  const canRequest = user.roles.includes('consumer_admin');
  const { params, page, update } = useUrlFilters();
  const status = (params.get('status') ?? undefined) as AgreementStatus | undefined;
  const dataset = params.get('dataset') ?? '';
  const role = params.get('role') ?? undefined;
  const [text, setText] = useState(dataset);
  useEffect(() => setText(dataset), [dataset]);

  const query: AgreementQuery = {
    limit: PAGE_SIZE,
    offset: (page - 1) * PAGE_SIZE,
    ...(status && { status }),
    ...(dataset && { dataset }),
    ...(role === 'consumer' && agency && { consumer: agency }),
    ...(role === 'custodian' && agency && { custodian: agency }),
  };
  const list = useQuery({
    queryKey: ['agreements', query],
    queryFn: async () => unwrap(await api.GET('/api/v1/agreements', { params: { query } })),
    placeholderData: keepPreviousData,
  });

  const columns: TableProps<Agreement>['columns'] = [
    {
      key: 'dataset',
      title: t('agr.col.dataset'),
      render: (_, a) => (
        <Link to={`/agreements/${a.id}`} aria-label={`${t('agr.open')} ${a.dataset_code} — ${a.system_code}`}>
          <Typography.Text code>{a.dataset_code}</Typography.Text>
        </Link>
      ),
    },
    { key: 'custodian', title: t('agr.col.custodian'), dataIndex: 'custodian_code', width: 110 },
    { key: 'consumer', title: t('agr.col.consumer'), dataIndex: 'consumer_code', width: 120 },
    { key: 'system', title: t('agr.col.system'), dataIndex: 'system_code', width: 150 },
    { key: 'status', title: t('agr.col.status'), width: 200, render: (_, a) => <StatusTag status={a.effective_status} /> },
    { key: 'validity', title: t('agr.col.validity'), width: 210, render: (_, a) => validity(a) },
    { key: 'updated', title: t('agr.col.updated'), width: 150, responsive: ['xl'], render: (_, a) => formatDateTime(a.updated_at) },
  ];

  return (
    <>
      <Flex justify="space-between" align="center" wrap gap={12} style={{ marginBottom: 16 }}>
        <Typography.Title level={1} style={{ fontSize: 24, margin: 0 }}>
          {t('agr.title')}
        </Typography.Title>
        {canRequest && (
          <LinkButton type="primary" to="/agreements/new">
            {t('agr.new')}
          </LinkButton>
        )}
      </Flex>
      <Card style={{ marginBottom: 16 }}>
        <Form layout="vertical" role="search" aria-label={t('agr.filters')} onSubmitCapture={(e) => e.preventDefault()}>
          <Flex wrap gap={16} align="flex-end">
            <Form.Item label={t('agr.filter.status')} htmlFor="agr-status" style={{ flex: '1 1 200px', marginBottom: 0 }}>
              <Select
                id="agr-status"
                allowClear
                placeholder={t('common.all')}
                value={status}
                onChange={(v?: string) => update({ status: v })}
                options={STATUSES.map((s) => ({ value: s, label: label('agr.st', s) }))}
              />
            </Form.Item>
            <Form.Item label={t('agr.filter.dataset')} htmlFor="agr-dataset" style={{ flex: '2 1 260px', marginBottom: 0 }}>
              <Input.Search
                id="agr-dataset"
                value={text}
                allowClear
                enterButton={t('common.search')}
                onChange={(e) => setText(e.target.value)}
                onSearch={(v) => update({ dataset: v.trim() || undefined })}
              />
            </Form.Item>
            <Form.Item label={t('agr.filter.role')} htmlFor="agr-role" style={{ flex: '1 1 180px', marginBottom: 0 }}>
              <Select
                id="agr-role"
                allowClear
                placeholder={t('common.all')}
                value={role}
                onChange={(v?: string) => update({ role: v })}
                options={[
                  { value: 'consumer', label: t('agr.role.consumer') },
                  { value: 'custodian', label: t('agr.role.custodian') },
                ]}
              />
            </Form.Item>
          </Flex>
        </Form>
      </Card>
      {list.isError ? (
        <LoadError error={list.error} retry={() => void list.refetch()} />
      ) : (
        <Table<Agreement>
          rowKey="id"
          data-testid="agreements-table"
          columns={columns}
          dataSource={list.data?.items ?? []}
          loading={list.isFetching}
          locale={{ emptyText: list.isPending ? ' ' : <EmptyState text={t('agr.empty')} /> }}
          scroll={{ x: 1000 }}
          tableLayout="fixed"
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
