import { useState } from 'react';
import { Link } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App as AntApp, Button, Card, Form, Input, InputNumber, Modal, Progress, Space, Table, Tag, Typography } from 'antd';
import type { TableProps } from 'antd';
import { api, problemMessage, unwrap } from '../api/client.ts';
import type { paths } from '../api/schema.d.ts';
import { useSession } from '../auth/session.tsx';
import { useI18n } from '../i18n/index.tsx';
import { formatDate, formatDateTime } from '../time.ts';
import { LoadError } from '../components/States.tsx';

type Item = paths['/api/v1/catalog/reviews/{year}']['get']['responses'][200]['content']['application/json'][number];
type Line = paths['/api/v1/catalog/reviews/{year}/progress']['get']['responses'][200]['content']['application/json']['custodians'][number];
const H2 = { fontSize: 16, margin: 0 };

/** The yearly catalog review: a custodian confirms its datasets; the coordinator follows progress per custodian. */
export default function CatalogReview() {
  const { t, lang } = useI18n();
  const { message } = AntApp.useApp();
  const { session } = useSession();
  const roles = new Set(session!.user.roles);
  const client = useQueryClient();
  const [year, setYear] = useState(() => Number(new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 4)));
  const [confirming, setConfirming] = useState<Item | null>(null);
  const [form] = Form.useForm<{ note?: string }>();

  const progress = useQuery({
    queryKey: ['review-progress', year],
    queryFn: async () => unwrap(await api.GET('/api/v1/catalog/reviews/{year}/progress', { params: { path: { year } } })),
  });
  const items = useQuery({
    queryKey: ['review-items', year],
    queryFn: async () => unwrap(await api.GET('/api/v1/catalog/reviews/{year}', { params: { path: { year } } })),
    enabled: roles.has('custodian_admin'),
  });
  const confirm = useMutation({
    mutationFn: async (v: { code: string; version: number; note?: string | undefined }) =>
      unwrap(
        await api.POST('/api/v1/datasets/{code}/reviews', {
          params: { path: { code: v.code } },
          body: { version: v.version, year, ...(v.note ? { note: v.note } : {}) },
        }),
      ),
    onSuccess: () => {
      message.success(t('rev.confirmed'));
      setConfirming(null);
      form.resetFields();
      void client.invalidateQueries({ queryKey: ['review-items'] });
      void client.invalidateQueries({ queryKey: ['review-progress'] });
    },
    onError: (err) => void message.error(problemMessage(err, lang, t('common.error'))),
  });

  const progressColumns: TableProps<Line>['columns'] = [
    { title: t('rev.col.custodian'), dataIndex: 'custodian_code', width: 140 },
    {
      title: t('rev.col.progress'),
      key: 'progress',
      render: (_, l) => (
        <Space>
          <Progress
            percent={l.total ? Math.round((l.reviewed / l.total) * 100) : 0}
            size="small"
            style={{ width: 160 }}
            aria-label={t('rev.progress.label', { custodian: l.custodian_code })}
          />
          <span>
            {l.reviewed}/{l.total}
          </span>
        </Space>
      ),
    },
    { title: t('rev.col.changed'), dataIndex: 'changed', width: 110 },
    { title: t('rev.col.last'), dataIndex: 'last_reviewed_at', width: 170, render: (v: string | null) => (v ? formatDateTime(v) : '—') },
  ];
  const itemColumns: TableProps<Item>['columns'] = [
    {
      title: t('rev.col.dataset'),
      key: 'dataset',
      render: (_, i) => <Link to={`/catalog/${i.dataset_code}`}>{lang === 'vi' ? i.name_vi : i.name_en}</Link>,
    },
    { title: t('rev.col.version'), dataIndex: 'version', width: 90 },
    {
      title: t('rev.col.state'),
      key: 'state',
      width: 260,
      render: (_, i) =>
        i.review ? (
          <Space direction="vertical" size={0}>
            <Tag color={i.review.outcome === 'changed' ? 'blue' : 'green'} style={{ color: 'rgba(0,0,0,0.88)' }}>
              {t(i.review.outcome === 'changed' ? 'rev.state.changed' : 'rev.state.confirmed')}
            </Tag>
            <Typography.Text type="secondary">{t('rev.reviewedBy', { who: i.review.reviewed_by, at: formatDateTime(i.review.reviewed_at) })}</Typography.Text>
          </Space>
        ) : (
          <Tag style={{ color: 'rgba(0,0,0,0.88)' }}>{t('rev.state.none')}</Tag>
        ),
    },
    {
      title: '',
      key: 'actions',
      width: 220,
      render: (_, i) => (
        <Space>
          <Link to={`/catalog/${i.dataset_code}/edit`}>{t('rev.edit')}</Link>
          <Button
            size="small"
            type={i.review ? 'default' : 'primary'}
            aria-label={t('rev.confirm.label', { code: i.dataset_code })}
            onClick={() => setConfirming(i)}
          >
            {t('rev.confirm')}
          </Button>
        </Space>
      ),
    },
  ];

  return (
    <>
      <Typography.Title level={1} style={{ fontSize: 24, marginTop: 0 }}>
        {t('rev.title')}
      </Typography.Title>
      <Typography.Paragraph>{t('rev.intro')}</Typography.Paragraph>
      <Space style={{ marginBottom: 16 }}>
        <span>{t('rev.year')}</span>
        <InputNumber aria-label={t('rev.year')} min={2025} max={2200} value={year} onChange={(v) => v && setYear(v)} />
        {progress.data && <Typography.Text>{t('rev.deadline', { date: formatDate(progress.data.deadline) })}</Typography.Text>}
      </Space>
      <Card title={<h2 style={H2}>{t('rev.progress')}</h2>} style={{ marginBottom: 16 }}>
        {progress.isError ? (
          <LoadError error={progress.error} retry={() => void progress.refetch()} />
        ) : (
          <Table<Line>
            rowKey="custodian_code"
            data-testid="review-progress"
            columns={progressColumns}
            dataSource={progress.data?.custodians ?? []}
            loading={progress.isPending}
            pagination={{ pageSize: 20, hideOnSinglePage: true }}
          />
        )}
      </Card>
      {roles.has('custodian_admin') && (
        <Card title={<h2 style={H2}>{t('rev.datasets')}</h2>}>
          {items.isError ? (
            <LoadError error={items.error} retry={() => void items.refetch()} />
          ) : (
            <Table<Item>
              rowKey="dataset_code"
              data-testid="review-items"
              columns={itemColumns}
              dataSource={items.data ?? []}
              loading={items.isPending}
              pagination={{ pageSize: 50, hideOnSinglePage: true }}
              locale={{ emptyText: t('rev.empty') }}
            />
          )}
        </Card>
      )}
      <Modal
        open={confirming !== null}
        title={confirming ? t('rev.confirm.title', { code: confirming.dataset_code }) : ''}
        okText={t('rev.confirm')}
        onCancel={() => setConfirming(null)}
        confirmLoading={confirm.isPending}
        onOk={() =>
          void form
            .validateFields()
            .then((v) => confirm.mutate({ code: confirming!.dataset_code, version: confirming!.version, note: v.note?.trim() || undefined }))
        }
        destroyOnHidden
      >
        <Form form={form} layout="vertical">
          <Form.Item name="note" label={t('rev.confirm.note')}>
            <Input.TextArea rows={3} maxLength={2000} />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}
