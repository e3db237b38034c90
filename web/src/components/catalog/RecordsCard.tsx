import { useState } from 'react';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App as AntApp, Button, Card, ConfigProvider, Descriptions, Drawer, Flex, Popconfirm, Space, Table, Tag, Typography } from 'antd';
import type { TableProps } from 'antd';
import { api, unwrap } from '../../api/client.ts';
import type { paths } from '../../api/schema.d.ts';
import { useI18n } from '../../i18n/index.tsx';
import { formatDateTime } from '../../time.ts';
import { ProblemAlert } from '../accounts/ProblemAlert.tsx';
import { EmptyState, Loading } from '../States.tsx';
import { ERROR_THEME } from './DatasetForm.tsx';
import { RecordEditor, recordTemplate } from './RecordEditor.tsx';
import { Refusal } from './shared.tsx';

type RecordRow = paths['/api/v1/datasets/{code}/records']['get']['responses'][200]['content']['application/json']['items'][number];
type Version = paths['/api/v1/datasets/{code}/records/{key}/versions']['get']['responses'][200]['content']['application/json'][number];

const RECORDS_PAGE = 20;
const show = (v: unknown) => (v === null || v === undefined ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v));
/** What the drawer shows: one record (its current state and versions), or the editor of a new or changed record. */
type Open = { view: string } | { edit: { key?: string; data: string } };

/** The hosted records of a dataset, for its custodian: list, one record and its versions, write, delete (a tombstone). */
export function RecordsCard({ code, fieldNames }: { code: string; fieldNames: string[] }) {
  const { t } = useI18n();
  const { message } = AntApp.useApp();
  const qc = useQueryClient();
  // Keyset paging: the `after` cursor of each page visited, so that the previous page can be reopened.
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [open, setOpen] = useState<Open | null>(null);
  const after = cursors[cursors.length - 1];
  const records = useQuery({
    queryKey: ['dataset-records', code, after],
    placeholderData: keepPreviousData,
    queryFn: async () =>
      unwrap(await api.GET('/api/v1/datasets/{code}/records', { params: { path: { code }, query: { limit: RECORDS_PAGE, ...(after && { after }) } } })),
  });
  const changed = (key: string) => {
    for (const k of [
      ['dataset-records', code],
      ['record', code, key],
      ['record-versions', code, key],
      ['dataset-quality', code],
    ])
      void qc.invalidateQueries({ queryKey: k });
  };
  const remove = useMutation({
    mutationFn: async (key: string) =>
      unwrap(await api.POST('/api/v1/datasets/{code}/records', { params: { path: { code } }, body: { records: [{ key, delete: true }] } })),
    onSuccess: (_r, key) => {
      void message.success(t('rec.deleted', { key }));
      changed(key);
    },
  });
  const columns: TableProps<RecordRow>['columns'] = [
    {
      key: 'key',
      title: t('ds.r.key'),
      width: 200,
      render: (_, r) => (
        <Button type="link" style={{ padding: 0 }} onClick={() => setOpen({ view: r.key })}>
          {r.key}
        </Button>
      ),
    },
    { key: 'version', title: t('ds.r.version'), width: 90, dataIndex: 'version' },
    { key: 'written', title: t('ds.r.written'), width: 160, render: (_, r) => formatDateTime(r.written_at) },
    {
      key: 'data',
      title: t('ds.r.data'),
      render: (_, r) => (r.deleted ? <Tag>{t('ds.r.deleted')}</Tag> : <Typography.Text style={{ fontSize: 12 }}>{show(r.data).slice(0, 160)}</Typography.Text>),
    },
    {
      key: 'actions',
      title: t('rec.actions'),
      width: 170,
      render: (_, r) =>
        !r.deleted && (
          <Space size="small">
            <Button
              size="small"
              onClick={() => setOpen({ edit: { key: r.key, data: JSON.stringify(r.data, null, 2) } })}
              aria-label={t('rec.editKey', { key: r.key })}
            >
              {t('rec.edit')}
            </Button>
            <Popconfirm
              title={t('rec.deleteConfirm', { key: r.key })}
              okText={t('rec.delete')}
              cancelText={t('dse.cancel')}
              onConfirm={() => remove.mutate(r.key)}
            >
              <Button size="small" danger aria-label={t('rec.deleteKey', { key: r.key })}>
                {t('rec.delete')}
              </Button>
            </Popconfirm>
          </Space>
        ),
    },
  ];
  const title =
    open === null
      ? ''
      : 'view' in open
        ? t('ds.r.versions', { key: open.view })
        : open.edit.key
          ? t('rec.editTitle', { key: open.edit.key })
          : t('rec.newTitle');
  return (
    <ConfigProvider theme={ERROR_THEME}>
      <Card
        title={
          <Typography.Title level={2} style={{ fontSize: 18, margin: 0 }}>
            {t('ds.records')}
          </Typography.Title>
        }
        extra={<Button onClick={() => setOpen({ edit: { data: recordTemplate(fieldNames.map((name) => ({ name }))) } })}>{t('rec.add')}</Button>}
      >
        {remove.isError && (
          <div style={{ marginBottom: 12 }}>
            <ProblemAlert error={remove.error} />
          </div>
        )}
        {records.isError ? (
          <Refusal error={records.error} retry={() => void records.refetch()} />
        ) : (
          <>
            <Table<RecordRow>
              rowKey="key"
              data-testid="ds-records"
              size="small"
              columns={columns}
              dataSource={records.data?.items ?? []}
              loading={records.isFetching}
              pagination={false}
              scroll={{ x: 900 }}
              locale={{ emptyText: records.isPending ? ' ' : <EmptyState text={t('ds.r.empty')} /> }}
            />
            <Space style={{ marginTop: 12 }}>
              <Button disabled={cursors.length <= 1} onClick={() => setCursors((c) => c.slice(0, -1))}>
                {t('ds.r.prev')}
              </Button>
              <Button disabled={!records.data?.next_after} onClick={() => setCursors((c) => [...c, records.data!.next_after!])}>
                {t('ds.r.next')}
              </Button>
            </Space>
          </>
        )}
        <Drawer open={open !== null} onClose={() => setOpen(null)} title={title} size={680} destroyOnHidden>
          {open !== null && 'view' in open && <RecordView code={code} recordKey={open.view} onEdit={(data) => setOpen({ edit: { key: open.view, data } })} />}
          {open !== null && 'edit' in open && (
            <RecordEditor
              code={code}
              canWrite
              initial={open.edit}
              onSaved={(key) => {
                void message.success(t('rec.saved', { key }));
                changed(key);
                setOpen({ view: key });
              }}
            />
          )}
        </Drawer>
      </Card>
    </ConfigProvider>
  );
}

/** One record: its current content (with the way to edit it, which also makes the scrolling drawer reachable by keyboard) and its versions. */
function RecordView({ code, recordKey, onEdit }: { code: string; recordKey: string; onEdit(data: string): void }) {
  const { t } = useI18n();
  const record = useQuery({
    queryKey: ['record', code, recordKey],
    queryFn: async () => unwrap(await api.GET('/api/v1/datasets/{code}/records/{key}', { params: { path: { code, key: recordKey } } })),
  });
  const versions = useQuery({
    queryKey: ['record-versions', code, recordKey],
    queryFn: async () => unwrap(await api.GET('/api/v1/datasets/{code}/records/{key}/versions', { params: { path: { code, key: recordKey } } })),
  });
  const columns: TableProps<Version>['columns'] = [
    { key: 'version', title: t('ds.r.version'), width: 70, dataIndex: 'version' },
    {
      key: 'written',
      title: t('ds.r.written'),
      width: 150,
      render: (_, v) => (
        <>
          {formatDateTime(v.written_at)}
          <br />
          <Typography.Text type="secondary">{v.written_by}</Typography.Text>
        </>
      ),
    },
    // the custodian, or the producer agency it authorised
    { key: 'producer', title: t('rec.producer'), width: 110, dataIndex: 'producer_agency_code' },
    {
      key: 'data',
      title: t('ds.r.data'),
      render: (_, v) =>
        v.deleted ? <Tag>{t('ds.r.deleted')}</Tag> : <pre style={{ margin: 0, whiteSpace: 'pre-wrap', fontSize: 12 }}>{JSON.stringify(v.data, null, 1)}</pre>,
    },
  ];
  const r = record.data;
  return (
    <Flex vertical gap={16}>
      <Typography.Title level={3} style={{ fontSize: 16, margin: 0 }}>
        {t('rec.current')}
      </Typography.Title>
      {record.isPending ? (
        <Loading />
      ) : record.isError || !r ? (
        <Refusal error={record.error} retry={() => void record.refetch()} />
      ) : (
        <Descriptions size="small" bordered column={1} data-testid="record-current">
          <Descriptions.Item label={t('ds.r.version')}>
            {r.version}
            {r.deleted && <Tag style={{ marginInlineStart: 8 }}>{t('ds.r.deleted')}</Tag>}
          </Descriptions.Item>
          <Descriptions.Item label={t('ds.r.written')}>{formatDateTime(r.written_at)}</Descriptions.Item>
          {Object.entries(r.data ?? {}).map(([k, v]) => (
            <Descriptions.Item key={k} label={<Typography.Text code>{k}</Typography.Text>}>
              {show(v)}
            </Descriptions.Item>
          ))}
        </Descriptions>
      )}
      {r && !r.deleted && (
        <div>
          <Button onClick={() => onEdit(JSON.stringify(r.data, null, 2))}>{t('rec.editKey', { key: recordKey })}</Button>
        </div>
      )}
      <Typography.Title level={3} style={{ fontSize: 16, margin: 0 }}>
        {t('rec.versions')}
      </Typography.Title>
      {versions.isError ? (
        <Refusal error={versions.error} retry={() => void versions.refetch()} />
      ) : (
        <Table<Version>
          rowKey="version"
          data-testid="ds-versions"
          size="small"
          columns={columns}
          dataSource={versions.data ?? []}
          loading={versions.isFetching}
          pagination={false}
        />
      )}
    </Flex>
  );
}
