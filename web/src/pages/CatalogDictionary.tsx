import { useEffect, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App as AntApp, Button, Card, Drawer, Flex, Form, Input, Select, Space, Table, Tag, Typography } from 'antd';
import type { TableProps } from 'antd';
import { api, unwrap } from '../api/client.ts';
import type { paths } from '../api/schema.d.ts';
import { LinkButton } from '../components/LinkButton.tsx';
import { EmptyState } from '../components/States.tsx';
import { ProblemAlert } from '../components/accounts/ProblemAlert.tsx';
import { DictionaryForm, type EntryValues, entryBody } from '../components/catalog/DictionaryForm.tsx';
import { useCatalogRoles } from '../components/catalog/roles.ts';
import { Refusal, useLabel } from '../components/catalog/shared.tsx';
import { useUrlFilters } from '../components/useUrlFilters.ts';
import { useI18n } from '../i18n/index.tsx';

type Query = NonNullable<paths['/api/v1/dictionary']['get']['parameters']['query']>;
type Entry = paths['/api/v1/dictionary']['get']['responses'][200]['content']['application/json']['items'][number];
type Personal = NonNullable<Query['personal']>;
const PERSONAL: Personal[] = ['none', 'basic', 'sensitive'];
const PAGE_SIZE = 20;

/** The shared data dictionary (GET /api/v1/dictionary): search, personal-data filter, server paging; kept in the URL. */
export default function CatalogDictionary() {
  const { t, lang } = useI18n();
  const label = useLabel();
  const { params, page, update } = useUrlFilters();
  const q = params.get('q') ?? '';
  const personal = (params.get('personal') ?? undefined) as Personal | undefined;
  const [text, setText] = useState(q);
  useEffect(() => setText(q), [q]);
  const { coordinator } = useCatalogRoles();
  const [creating, setCreating] = useState(false);

  const query: Query = { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE, ...(q && { q }), ...(personal && { personal }) };
  const list = useQuery({
    queryKey: ['dictionary', query],
    queryFn: async () => unwrap(await api.GET('/api/v1/dictionary', { params: { query } })),
    placeholderData: keepPreviousData,
  });

  const columns: TableProps<Entry>['columns'] = [
    {
      key: 'name',
      title: t('dict.col.name'),
      width: 190,
      render: (_, e) => (
        <Link to={`/dictionary/${e.name}`}>
          <Typography.Text code>{e.name}</Typography.Text>
        </Link>
      ),
    },
    {
      key: 'label',
      title: t('dict.col.label'),
      render: (_, e) => {
        const desc = lang === 'vi' ? e.description_vi : e.description_en;
        return (
          <>
            {lang === 'vi' ? e.label_vi : e.label_en}
            {desc && (
              <>
                <br />
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {desc}
                </Typography.Text>
              </>
            )}
          </>
        );
      },
    },
    { key: 'type', title: t('ds.f.type'), width: 110, render: (_, e) => label('ds.type', e.type) },
    {
      key: 'format',
      title: t('ds.f.format'),
      width: 140,
      render: (_, e) => [e.format, e.max_length ? `≤ ${e.max_length}` : null].filter(Boolean).join(' · ') || '—',
    },
    {
      key: 'code_list',
      title: t('ds.f.codeList'),
      width: 160,
      render: (_, e) =>
        e.code_list ? (
          <Link to={`/code-lists/${e.code_list}`}>
            {e.code_list}
            {e.code_list_level ? ` (${e.code_list_level})` : ''}
          </Link>
        ) : (
          '—'
        ),
    },
    {
      key: 'personal',
      title: t('ds.f.personal'),
      width: 130,
      render: (_, e) => <Tag color={e.personal === 'sensitive' ? 'red' : 'default'}>{label('ds.personalKind', e.personal)}</Tag>,
    },
    { key: 'status', title: t('catalog.col.status'), width: 110, responsive: ['xl'], render: (_, e) => label('status', e.status) },
  ];

  return (
    <>
      <Flex justify="space-between" align="center" wrap gap={8}>
        <Typography.Title level={1} style={{ fontSize: 24, marginTop: 0 }}>
          {t('dict.title')}
        </Typography.Title>
        <Space wrap>
          <LinkButton to="/catalog">{t('dict.toCatalog')}</LinkButton>
          {coordinator && (
            <Button type="primary" onClick={() => setCreating(true)}>
              {t('dict.add')}
            </Button>
          )}
        </Space>
      </Flex>
      <Drawer open={creating} onClose={() => setCreating(false)} title={t('dict.newTitle')} size={720} destroyOnHidden>
        <NewTerm onCancel={() => setCreating(false)} />
      </Drawer>
      <Card style={{ marginBottom: 16 }}>
        <Form layout="vertical" role="search" aria-label={t('dict.title')} onSubmitCapture={(e) => e.preventDefault()}>
          <Flex wrap gap={16} align="flex-end">
            <Form.Item label={t('dict.q')} htmlFor="dict-q" style={{ flex: '2 1 280px', marginBottom: 0 }}>
              <Input.Search
                id="dict-q"
                value={text}
                allowClear
                enterButton={t('common.search')}
                onChange={(e) => setText(e.target.value)}
                onSearch={(v) => update({ q: v.trim() || undefined })}
              />
            </Form.Item>
            <Form.Item label={t('ds.f.personal')} htmlFor="dict-personal" style={{ flex: '1 1 180px', marginBottom: 0 }}>
              <Select
                id="dict-personal"
                allowClear
                placeholder={t('common.all')}
                value={personal}
                onChange={(v?: string) => update({ personal: v })}
                options={PERSONAL.map((p) => ({ value: p, label: label('ds.personalKind', p) }))}
              />
            </Form.Item>
          </Flex>
        </Form>
      </Card>
      {list.isError ? (
        <Refusal error={list.error} retry={() => void list.refetch()} />
      ) : (
        <Table<Entry>
          rowKey="name"
          data-testid="dictionary-table"
          columns={columns}
          dataSource={list.data?.items ?? []}
          loading={list.isFetching}
          locale={{ emptyText: list.isPending ? ' ' : <EmptyState text={t('dict.empty')} /> }}
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

/** POST /api/v1/dictionary (the coordinator, R-18.2), then the new entry's page. */
function NewTerm({ onCancel }: { onCancel(): void }) {
  const { t } = useI18n();
  const { message } = AntApp.useApp();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const create = useMutation({
    mutationFn: async (v: EntryValues) => {
      const { status: _status, ...body } = entryBody(v);
      return unwrap(await api.POST('/api/v1/dictionary', { body }));
    },
    onSuccess: (e) => {
      void message.success(t('dict.created', { name: e.name }));
      void qc.invalidateQueries({ queryKey: ['dictionary'] });
      void navigate(`/dictionary/${e.name}`);
    },
  });
  return (
    <DictionaryForm
      editing={false}
      initial={{ type: 'string', personal: 'none' }}
      submitting={create.isPending}
      error={create.isError && <ProblemAlert error={create.error} testId="term-error" />}
      onSubmit={(v) => create.mutate(v)}
      onCancel={onCancel}
    />
  );
}
