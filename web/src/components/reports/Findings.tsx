import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App as AntApp, Button, Card, Form, Input, Modal, Segmented, Select, Space, Table, Tag, Typography } from 'antd';
import type { TableProps } from 'antd';
import { api, problemMessage, unwrap } from '../../api/client.ts';
import type { paths } from '../../api/schema.d.ts';
import { agencyCodeOf, useSession } from '../../auth/session.tsx';
import { type MessageKey, useI18n } from '../../i18n/index.tsx';
import { formatDateTime } from '../../time.ts';
import { LoadError } from '../States.tsx';

type Finding = paths['/api/v1/reports/findings']['get']['responses'][200]['content']['application/json']['items'][number];
type Status = Finding['status'];
const DARK = { color: 'rgba(0, 0, 0, 0.88)' };
const SEVERITY_COLOR = { high: 'red', medium: 'gold', low: 'blue' } as const;

/** Compliance findings: the official's own agency's, or all for coordinators and auditors; acknowledge and resolve. */
export function FindingsPanel() {
  const { t, lang } = useI18n();
  const { message } = AntApp.useApp();
  const { session } = useSession();
  const user = session!.user;
  const roles = new Set(user.roles);
  const client = useQueryClient();
  const [status, setStatus] = useState<Status | 'all'>('open');
  const [rule, setRule] = useState<string | undefined>();
  const [owner, setOwner] = useState('');
  const [resolving, setResolving] = useState<Finding | null>(null);
  const [form] = Form.useForm<{ reason: string }>();
  const list = useQuery({
    queryKey: ['report-findings', status, rule, owner],
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/reports/findings', {
          params: { query: { limit: 200, ...(status === 'all' ? {} : { status }), ...(rule ? { rule } : {}), ...(owner.trim() ? { owner: owner.trim() } : {}) } },
        }),
      ),
  });
  const rules = useQuery({
    queryKey: ['report-finding-rules'],
    queryFn: async () => unwrap(await api.GET('/api/v1/reports/findings/rules')),
  });
  const ruleOptions = [...new Map((rules.data ?? []).map((r) => [r.id, lang === 'vi' ? r.title_vi : r.title_en])).entries()].map(([id, title]) => ({
    value: id,
    label: `${id} — ${title}`,
  }));
  const refresh = () => void client.invalidateQueries({ queryKey: ['report-findings'] });
  const fail = (err: unknown) => void message.error(problemMessage(err, lang, t('common.error')));
  const run = useMutation({
    mutationFn: async () => unwrap(await api.POST('/api/v1/reports/findings/run')),
    onSuccess: (r) => {
      message.success(t('rep.fnd.ran', { opened: r.opened, closed: r.closed }));
      refresh();
    },
    onError: fail,
  });
  const ack = useMutation({
    mutationFn: async (id: string) => unwrap(await api.POST('/api/v1/reports/findings/{id}/acknowledge', { params: { path: { id } }, body: {} })),
    onSuccess: () => {
      message.success(t('rep.fnd.acked'));
      refresh();
    },
    onError: fail,
  });
  const resolve = useMutation({
    mutationFn: async (v: { id: string; reason: string }) =>
      unwrap(await api.POST('/api/v1/reports/findings/{id}/resolve', { params: { path: { id: v.id } }, body: { reason: v.reason } })),
    onSuccess: () => {
      message.success(t('rep.fnd.resolved'));
      setResolving(null);
      form.resetFields();
      refresh();
    },
    onError: fail,
  });
  const seesAll = roles.has('coordinator') || roles.has('auditor');
  // The owner's administrators and the coordinator act; an auditor reads.
  const mayAct = (f: Finding) =>
    roles.has('coordinator') || (f.owner_agency === agencyCodeOf(user) && (roles.has('custodian_admin') || roles.has('consumer_admin')));

  const columns: TableProps<Finding>['columns'] = [
    { title: t('rep.fnd.col.rule'), dataIndex: 'rule', width: 90, render: (r: string) => <Tag style={DARK}>{r}</Tag> },
    {
      title: t('rep.fnd.col.severity'),
      dataIndex: 'severity',
      width: 110,
      render: (s: Finding['severity']) => (
        <Tag color={SEVERITY_COLOR[s]} style={DARK}>
          {t(`rep.fnd.sev.${s}` as MessageKey)}
        </Tag>
      ),
    },
    { title: t('rep.fnd.col.owner'), dataIndex: 'owner_agency', width: 100 },
    {
      title: t('rep.fnd.col.summary'),
      key: 'summary',
      render: (_, f) => (
        <Space direction="vertical" size={2}>
          <span>{lang === 'vi' ? f.summary_vi : f.summary_en}</span>
          <Typography.Text type="secondary">
            {t('rep.fnd.evidence')}:{' '}
            {f.evidence.map((e, i) => (
              <span key={e.href}>
                {i > 0 && ', '}
                <a href={e.href} target="_blank" rel="noreferrer">
                  {lang === 'vi' ? e.label_vi : e.label_en}
                </a>
              </span>
            ))}
          </Typography.Text>
          {f.acknowledged_by && <Typography.Text type="secondary">{t('rep.fnd.ackBy', { who: f.acknowledged_by })}</Typography.Text>}
          {f.status === 'resolved' && (
            <Typography.Text type="secondary">
              {f.closed_automatically ? t('rep.fnd.closedAuto') : t('rep.fnd.closedBy', { who: f.closed_by ?? '', why: f.close_reason ?? '' })}
            </Typography.Text>
          )}
        </Space>
      ),
    },
    { title: t('rep.fnd.status'), dataIndex: 'status', width: 120, render: (s: Status) => t(`rep.fnd.st.${s}` as MessageKey) },
    { title: t('rep.fnd.col.opened'), dataIndex: 'opened_at', width: 150, render: (v: string) => formatDateTime(v) },
    {
      title: t('rep.fnd.col.actions'),
      key: 'actions',
      width: 190,
      render: (_, f) =>
        f.status === 'resolved' || !mayAct(f) ? null : (
          <Space>
            {f.status === 'open' && (
              <Button
                size="small"
                aria-label={t('rep.fnd.ack.label', { rule: f.rule, subject: f.subject_id })}
                loading={ack.isPending && ack.variables === f.id}
                onClick={() => ack.mutate(f.id)}
              >
                {t('rep.fnd.ack')}
              </Button>
            )}
            <Button size="small" aria-label={t('rep.fnd.resolve.label', { rule: f.rule, subject: f.subject_id })} onClick={() => setResolving(f)}>
              {t('rep.fnd.resolve')}
            </Button>
          </Space>
        ),
    },
  ];

  return (
    <Card
      title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('rep.fnd.title')}</h2>}
      extra={
        <Space wrap>
          <Select
            allowClear
            aria-label={t('rep.fnd.filter.rule')}
            placeholder={t('rep.fnd.filter.rule')}
            style={{ width: 200 }}
            value={rule}
            onChange={setRule}
            options={ruleOptions}
            popupMatchSelectWidth={false}
          />
          {seesAll && (
            <Input.Search
              allowClear
              aria-label={t('rep.fnd.filter.owner')}
              placeholder={t('rep.fnd.filter.owner')}
              style={{ width: 170 }}
              onSearch={(v) => setOwner(v)}
            />
          )}
          <Segmented<Status | 'all'>
            aria-label={t('rep.fnd.status')}
            value={status}
            onChange={setStatus}
            options={[
              { value: 'open', label: t('rep.fnd.st.open') },
              { value: 'acknowledged', label: t('rep.fnd.st.acknowledged') },
              { value: 'resolved', label: t('rep.fnd.st.resolved') },
              { value: 'all', label: t('common.all') },
            ]}
          />
          {roles.has('coordinator') && (
            <Button type="primary" onClick={() => run.mutate()} loading={run.isPending}>
              {t('rep.fnd.run')}
            </Button>
          )}
        </Space>
      }
    >
      {list.isError ? (
        <LoadError error={list.error} retry={() => void list.refetch()} />
      ) : (
        <Table<Finding>
          rowKey="id"
          data-testid="rep-findings"
          columns={columns}
          dataSource={list.data?.items ?? []}
          loading={list.isPending}
          pagination={false}
          scroll={{ x: 900 }}
          locale={{ emptyText: t('rep.fnd.empty') }}
        />
      )}
      <Modal
        open={resolving !== null}
        title={t('rep.fnd.resolve.title')}
        okText={t('rep.fnd.resolve')}
        onCancel={() => setResolving(null)}
        confirmLoading={resolve.isPending}
        onOk={() => void form.validateFields().then((v) => resolve.mutate({ id: resolving!.id, reason: v.reason }))}
        destroyOnHidden
      >
        <Form form={form} layout="vertical">
          <Form.Item name="reason" label={t('rep.fnd.resolve.reason')} rules={[{ required: true, whitespace: true, message: t('rep.fnd.resolve.required') }]}>
            <Input.TextArea rows={3} maxLength={2000} />
          </Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}
