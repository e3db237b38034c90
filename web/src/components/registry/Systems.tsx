import { useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Button, Flex, Space, Table, Typography } from 'antd';
import type { TableProps } from 'antd';
import { api, unwrap } from '../../api/client.ts';
import { type MessageKey, useI18n } from '../../i18n/index.tsx';
import { EmptyState, LoadError } from '../States.tsx';
import { Pill } from './Pill.tsx';
import { SystemDetail } from './SystemDetail.tsx';
import { SystemForm } from './SystemForm.tsx';
import { PAGE_SIZE, StatusTag, type System, useRegistryRights } from './shared.tsx';

/** Information systems: security level (declared and approved), zone, keys and whether lets them share. */
export function Systems() {
  const { t, lang } = useI18n();
  const rights = useRegistryRights();
  const [page, setPage] = useState(1);
  const [open, setOpen] = useState<string | null>(null);
  const [form, setForm] = useState<{ system?: System } | null>(null);
  const list = useQuery({
    queryKey: ['systems', page],
    queryFn: async () => unwrap(await api.GET('/api/v1/systems', { params: { query: { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE } } })),
    placeholderData: keepPreviousData,
  });
  const columns: TableProps<System>['columns'] = [
    { key: 'code', title: t('registry.col.code'), width: 170, render: (_, s) => <Typography.Text code>{s.code}</Typography.Text> },
    { key: 'name', title: t('registry.col.name'), render: (_, s) => (lang === 'vi' ? s.name_vi : s.name_en) },
    { key: 'agency', title: t('registry.col.agency'), dataIndex: 'agency_code', width: 100 },
    {
      key: 'level',
      title: t('registry.col.level'),
      width: 150,
      render: (_, s) => (
        <Space size={2} direction="vertical">
          {t('registry.level', { n: s.security_level })}
          {s.security_level_pending && <Pill tone="gold">{t('registry.level.pending')}</Pill>}
        </Space>
      ),
    },
    { key: 'zone', title: t('registry.col.zone'), width: 130, render: (_, s) => t(`registry.zone.${s.zone}` as MessageKey) ?? s.zone },
    {
      key: 'keys',
      title: t('registry.col.keys'),
      width: 160,
      render: (_, s) =>
        s.encryption_key ? (
          <Pill tone="blue">
            {t('registry.keys.yes')} ({s.encryption_key.kty})
          </Pill>
        ) : (
          <Pill>{t('registry.keys.no')}</Pill>
        ),
    },
    {
      key: 'sharing',
      title: t('registry.col.sharing'),
      width: 260,
      render: (_, s) =>
        s.sharing_allowed ? (
          <Pill tone="green">{t('registry.sharing.yes')}</Pill>
        ) : s.sharing_refusal ? (
          <span data-testid={`refusal-${s.code}`}>
            <Pill tone="red">{s.sharing_refusal.rule}</Pill>
            {lang === 'vi' ? s.sharing_refusal.reason : s.sharing_refusal.reason_en}
          </span>
        ) : (
          <Pill tone="red">{t('common.no')}</Pill>
        ),
    },
    { key: 'status', title: t('registry.col.status'), width: 130, render: (_, s) => <StatusTag status={s.status} /> },
    {
      key: 'open',
      title: t('registry.col.actions'),
      width: 110,
      render: (_, s) => (
        <Button size="small" onClick={() => setOpen(s.code)} aria-label={`${t('registry.systems.open')} ${s.code}`}>
          {t('registry.systems.open')}
        </Button>
      ),
    },
  ];
  if (list.isError) return <LoadError error={list.error} retry={() => void list.refetch()} />;
  return (
    <>
      {rights.managesSystems && (
        <Flex justify="flex-end" style={{ marginBottom: 12 }}>
          <Button type="primary" onClick={() => setForm({})}>
            {t('registry.systems.add')}
          </Button>
        </Flex>
      )}
      <Table<System>
        rowKey="code"
        data-testid="systems-table"
        columns={columns}
        dataSource={list.data?.items ?? []}
        loading={list.isFetching}
        locale={{ emptyText: list.isPending ? ' ' : <EmptyState text={t('registry.systems.empty')} /> }}
        pagination={{
          current: page,
          pageSize: PAGE_SIZE,
          total: list.data?.total ?? 0,
          showSizeChanger: false,
          showTotal: (n) => t('common.total', { n }),
          onChange: setPage,
        }}
      />
      <SystemDetail code={open} onClose={() => setOpen(null)} onEdit={(system) => setForm({ system })} />
      <SystemForm
        open={form !== null}
        system={form?.system}
        onClose={() => setForm(null)}
        onSaved={(code) => {
          setForm(null);
          setOpen(code);
        }}
      />
    </>
  );
}
