import { useState } from 'react';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Badge, Button, Card, Descriptions, Flex, Form, Input, Popconfirm, Space, Switch, Table, Typography } from 'antd';
import type { TableProps } from 'antd';
import { api, problemMessage, unwrap } from '../api/client.ts';
import type { paths } from '../api/schema.d.ts';
import { Pill } from '../components/registry/Pill.tsx';
import { EmptyState, LoadError } from '../components/States.tsx';
import { useI18n } from '../i18n/index.tsx';
import { formatDateTime } from '../time.ts';

type Message = paths['/api/v1/inbox']['get']['responses'][200]['content']['application/json']['items'][number];
const PAGE_SIZE = 20;

/** The agency's webhook (GET|PUT|DELETE /api/v1/inbox/webhook); the signing secret is shown once. */
function Webhook() {
  const { t, lang } = useI18n();
  const queryClient = useQueryClient();
  const [secret, setSecret] = useState<string | null>(null);
  const [form] = Form.useForm<{ url: string }>();
  const current = useQuery({ queryKey: ['inbox', 'webhook'], queryFn: async () => unwrap(await api.GET('/api/v1/inbox/webhook')) });
  const save = useMutation({
    mutationFn: async (url: string) => unwrap(await api.PUT('/api/v1/inbox/webhook', { body: { url } })),
    onSuccess: (data) => {
      setSecret(data.secret);
      form.resetFields();
      void queryClient.invalidateQueries({ queryKey: ['inbox', 'webhook'] });
    },
  });
  const remove = useMutation({
    mutationFn: async () => {
      const r = await api.DELETE('/api/v1/inbox/webhook');
      if (!r.response.ok) unwrap(r);
    },
    onSuccess: () => {
      setSecret(null);
      void queryClient.invalidateQueries({ queryKey: ['inbox', 'webhook'] });
    },
  });
  const hook = current.data?.webhook;
  const deliveries = Object.entries(current.data?.deliveries ?? {});
  return (
    <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('inbox.webhook.title')}</h2>} style={{ marginTop: 16 }}>
      <Typography.Paragraph type="secondary">{t('inbox.webhook.help')}</Typography.Paragraph>
      {current.isError ? (
        <LoadError error={current.error} retry={() => void current.refetch()} />
      ) : (
        <Descriptions column={1} size="small" style={{ marginBottom: 12 }}>
          <Descriptions.Item label={t('inbox.webhook.current')}>
            {hook ? (
              <span data-testid="webhook-url">
                <Typography.Text code>{hook.url}</Typography.Text>{' '}
                <Pill tone={hook.active ? 'green' : 'default'}>{t(hook.active ? 'registry.status.active' : 'registry.status.suspended')}</Pill>{' '}
                <Typography.Text type="secondary">{formatDateTime(hook.updated_at)}</Typography.Text>
              </span>
            ) : (
              t('inbox.webhook.none')
            )}
          </Descriptions.Item>
          {deliveries.length > 0 && (
            <Descriptions.Item label={t('inbox.webhook.deliveries')}>
              <Space wrap>
                {deliveries.map(([k, n]) => (
                  <Pill key={k}>
                    {k}: {n}
                  </Pill>
                ))}
              </Space>
            </Descriptions.Item>
          )}
        </Descriptions>
      )}
      {secret && (
        <Alert
          type="warning"
          showIcon
          style={{ marginBottom: 12 }}
          title={t('inbox.webhook.secret')}
          description={
            <Typography.Text code copyable data-testid="webhook-secret">
              {secret}
            </Typography.Text>
          }
        />
      )}
      {(save.isError || remove.isError) && (
        <Alert type="error" showIcon style={{ marginBottom: 12 }} title={problemMessage(save.error ?? remove.error, lang, t('common.error'))} />
      )}
      <Form form={form} layout="vertical" name="webhook" onFinish={(v) => save.mutate(v.url.trim())}>
        <Flex wrap gap={12} align="flex-end">
          <Form.Item
            name="url"
            label={t('inbox.webhook.url')}
            style={{ flex: '1 1 320px', marginBottom: 0 }}
            rules={[{ required: true, type: 'url', message: t('registry.required', { field: t('inbox.webhook.url') }) }]}
          >
            <Input placeholder="https://" autoComplete="off" />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={save.isPending}>
            {t('inbox.webhook.save')}
          </Button>
          {hook && (
            <Popconfirm
              title={t('inbox.webhook.delete')}
              okText={t('inbox.webhook.delete')}
              cancelText={t('registry.cancel')}
              onConfirm={() => remove.mutateAsync()}
            >
              <Button danger style={{ color: '#a8071a', borderColor: '#a8071a' }} loading={remove.isPending}>
                {t('inbox.webhook.delete')}
              </Button>
            </Popconfirm>
          )}
        </Flex>
      </Form>
    </Card>
  );
}

/** The agency inbox (GET /api/v1/inbox, POST /api/v1/inbox/{id}/read) and its webhook: every signed-in official. */
export default function RegistryInbox() {
  const { t, lang } = useI18n();
  const queryClient = useQueryClient();
  const [unreadOnly, setUnreadOnly] = useState(false);
  const [page, setPage] = useState(1);
  const query = { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE, ...(unreadOnly && { unread: true }) };
  const list = useQuery({
    queryKey: ['inbox', 'list', query],
    queryFn: async () => unwrap(await api.GET('/api/v1/inbox', { params: { query } })),
    placeholderData: keepPreviousData,
  });
  const markRead = useMutation({
    mutationFn: async (id: string) => unwrap(await api.POST('/api/v1/inbox/{id}/read', { params: { path: { id } } })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['inbox'] }),
  });

  const columns: TableProps<Message>['columns'] = [
    { key: 'at', title: t('inbox.col.at'), width: 150, render: (_, m) => formatDateTime(m.created_at) },
    {
      key: 'subject',
      title: t('inbox.col.subject'),
      render: (_, m) => <span style={{ fontWeight: m.read_at ? 400 : 600 }}>{lang === 'vi' ? m.subject_vi : m.subject_en}</span>,
    },
    { key: 'kind', title: t('inbox.col.kind'), width: 200, render: (_, m) => <Typography.Text code>{m.kind}</Typography.Text> },
    {
      key: 'state',
      title: t('inbox.col.state'),
      width: 220,
      render: (_, m) =>
        m.read_at ? (
          <Typography.Text type="secondary">
            {t('inbox.read')} {formatDateTime(m.read_at)}
            {m.read_by ? ` (${m.read_by})` : ''}
          </Typography.Text>
        ) : (
          <Space>
            <Badge status="error" text={t('inbox.new')} />
            <Button
              size="small"
              loading={markRead.isPending && markRead.variables === m.id}
              onClick={() => markRead.mutate(m.id)}
              aria-label={`${t('inbox.markread')}: ${lang === 'vi' ? m.subject_vi : m.subject_en}`}
            >
              {t('inbox.markread')}
            </Button>
          </Space>
        ),
    },
  ];

  return (
    <>
      <Typography.Title level={1} style={{ fontSize: 24, marginTop: 0 }}>
        {t('inbox.title')}
      </Typography.Title>
      <Flex align="center" gap={8} style={{ marginBottom: 12 }}>
        <Switch
          id="inbox-unread"
          checked={unreadOnly}
          onChange={(v) => {
            setUnreadOnly(v);
            setPage(1);
          }}
        />
        <label htmlFor="inbox-unread">{t('inbox.unread')}</label>
      </Flex>
      {markRead.isError && <Alert type="error" showIcon style={{ marginBottom: 12 }} title={problemMessage(markRead.error, lang, t('common.error'))} />}
      {list.isError ? (
        <LoadError error={list.error} retry={() => void list.refetch()} />
      ) : (
        <Table<Message>
          rowKey="id"
          data-testid="inbox-table"
          columns={columns}
          dataSource={list.data?.items ?? []}
          loading={list.isFetching}
          locale={{ emptyText: list.isPending ? ' ' : <EmptyState text={t('inbox.empty')} /> }}
          pagination={{
            current: page,
            pageSize: PAGE_SIZE,
            total: list.data?.total ?? 0,
            showSizeChanger: false,
            showTotal: (n) => t('common.total', { n }),
            onChange: setPage,
          }}
        />
      )}
      <Webhook />
    </>
  );
}
