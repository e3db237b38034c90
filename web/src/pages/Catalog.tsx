import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Card, Flex, Form, Input, Select, Space, Table, Tag, Typography } from 'antd';
import type { TableProps } from 'antd';
import { api, unwrap } from '../api/client.ts';
import type { paths } from '../api/schema.d.ts';
import { LinkButton } from '../components/LinkButton.tsx';
import { EmptyState, LoadError } from '../components/States.tsx';
import { NEW_DATASET_PATH, useCatalogRoles } from '../components/catalog/roles.ts';
import { useUrlFilters } from '../components/useUrlFilters.ts';
import { type MessageKey, useI18n } from '../i18n/index.tsx';
import { formatDateTime } from '../time.ts';

type Query = NonNullable<paths['/api/v1/datasets']['get']['parameters']['query']>;
type Dataset = paths['/api/v1/datasets']['get']['responses'][200]['content']['application/json']['items'][number];
type Classification = NonNullable<Query['classification']>;
type Status = NonNullable<Query['status']>;

const CLASSIFICATIONS: Classification[] = ['normal', 'sensitive', 'secret', 'top_secret'];
const STATUSES: Status[] = ['published', 'draft', 'retired'];
const CLASSIFICATION_COLOR: Record<string, string> = { normal: 'default', sensitive: 'gold', secret: 'volcano', top_secret: 'red' };
const PAGE_SIZE = 20;

function label(t: (k: MessageKey) => string, prefix: 'classification' | 'status', value: string): string {
  const key = `${prefix}.${value}` as MessageKey;
  const text = t(key);
  return text === undefined ? value : text;
}

/** The catalog (GET /api/v1/datasets): diacritics-insensitive search, filters, server paging; all kept in the URL. */
export default function Catalog() {
  const { t, lang } = useI18n();
  const { params, page, update } = useUrlFilters();
  const roles = useCatalogRoles();
  const q = params.get('q') ?? '';
  const domain = params.get('domain') ?? undefined;
  const classification = (params.get('classification') ?? undefined) as Classification | undefined;
  const status = (params.get('status') ?? undefined) as Status | undefined;
  const [text, setText] = useState(q);
  useEffect(() => setText(q), [q]);

  const query: Query = {
    limit: PAGE_SIZE,
    offset: (page - 1) * PAGE_SIZE,
    ...(q && { q }),
    ...(domain && { domain }),
    ...(classification && { classification }),
    ...(status && { status }),
  };
  const list = useQuery({
    queryKey: ['datasets', query],
    queryFn: async () => unwrap(await api.GET('/api/v1/datasets', { params: { query } })),
    placeholderData: keepPreviousData,
  });
  const domains = useQuery({ queryKey: ['domains'], queryFn: async () => unwrap(await api.GET('/api/v1/domains')) });
  const domainName = (code: string) => {
    const d = domains.data?.find((x) => x.code === code);
    return d ? (lang === 'vi' ? d.name_vi : d.name_en) : code;
  };

  const columns: TableProps<Dataset>['columns'] = [
    {
      key: 'code',
      title: t('catalog.col.code'),
      dataIndex: 'code',
      width: 190,
      render: (c: string) => (
        <Link to={`/catalog/${c}`}>
          <Typography.Text code>{c}</Typography.Text>
        </Link>
      ),
    },
    { key: 'name', title: t('catalog.col.name'), render: (_, d) => <Link to={`/catalog/${d.code}`}>{lang === 'vi' ? d.name_vi : d.name_en}</Link> },
    { key: 'custodian', title: t('catalog.col.custodian'), dataIndex: 'custodian_code', width: 110 },
    { key: 'domain', title: t('catalog.col.domain'), width: 220, responsive: ['xxl'], render: (_, d) => domainName(d.domain_code) },
    {
      key: 'classification',
      title: t('catalog.col.classification'),
      width: 120,
      render: (_, d) => <Tag color={CLASSIFICATION_COLOR[d.classification]}>{label(t, 'classification', d.classification)}</Tag>,
    },
    { key: 'status', title: t('catalog.col.status'), width: 120, responsive: ['md'], render: (_, d) => label(t, 'status', d.status) },
    { key: 'updated', title: t('catalog.col.updated'), width: 150, responsive: ['xxl'], render: (_, d) => formatDateTime(d.updated_at) },
  ];

  return (
    <>
      <Flex justify="space-between" align="center" wrap gap={8}>
        <Typography.Title level={1} style={{ fontSize: 24, marginTop: 0 }}>
          {t('catalog.title')}
        </Typography.Title>
        <Space wrap>
          <LinkButton to="/dictionary">{t('catalog.toDictionary')}</LinkButton>
          {roles.mayCreateDataset && (
            <LinkButton to={NEW_DATASET_PATH} type="primary">
              {t('dse.add')}
            </LinkButton>
          )}
        </Space>
      </Flex>
      <Card style={{ marginBottom: 16 }}>
        <Form layout="vertical" role="search" aria-label={t('catalog.title')} onSubmitCapture={(e) => e.preventDefault()}>
          <Flex wrap gap={16} align="flex-end">
            <Form.Item label={t('catalog.q')} htmlFor="catalog-q" style={{ flex: '2 1 280px', marginBottom: 0 }}>
              <Input.Search
                id="catalog-q"
                value={text}
                placeholder={t('catalog.q.placeholder')}
                allowClear
                enterButton={t('common.search')}
                onChange={(e) => setText(e.target.value)}
                onSearch={(v) => update({ q: v.trim() || undefined })}
              />
            </Form.Item>
            <Form.Item label={t('catalog.domain')} htmlFor="catalog-domain" style={{ flex: '1 1 200px', marginBottom: 0 }}>
              <Select
                id="catalog-domain"
                allowClear
                placeholder={t('common.all')}
                value={domain}
                loading={domains.isPending}
                onChange={(v?: string) => update({ domain: v })}
                options={(domains.data ?? []).map((d) => ({ value: d.code, label: lang === 'vi' ? d.name_vi : d.name_en }))}
                popupMatchSelectWidth={false}
              />
            </Form.Item>
            <Form.Item label={t('catalog.classification')} htmlFor="catalog-classification" style={{ flex: '1 1 150px', marginBottom: 0 }}>
              <Select
                id="catalog-classification"
                allowClear
                placeholder={t('common.all')}
                value={classification}
                onChange={(v?: string) => update({ classification: v })}
                options={CLASSIFICATIONS.map((c) => ({ value: c, label: label(t, 'classification', c) }))}
              />
            </Form.Item>
            <Form.Item label={t('catalog.status')} htmlFor="catalog-status" style={{ flex: '1 1 150px', marginBottom: 0 }}>
              <Select
                id="catalog-status"
                allowClear
                placeholder={t('common.all')}
                value={status}
                onChange={(v?: string) => update({ status: v })}
                options={STATUSES.map((s) => ({ value: s, label: label(t, 'status', s) }))}
              />
            </Form.Item>
          </Flex>
        </Form>
      </Card>
      {list.isError ? (
        <LoadError error={list.error} retry={() => void list.refetch()} />
      ) : (
        <Table<Dataset>
          rowKey="code"
          data-testid="catalog-table"
          columns={columns}
          dataSource={list.data?.items ?? []}
          loading={list.isFetching}
          locale={{ emptyText: list.isPending ? ' ' : <EmptyState text={t('catalog.empty')} /> }}
          scroll={{ x: 900 }}
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
