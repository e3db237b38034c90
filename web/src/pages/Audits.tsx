import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App as AntApp, Button, Card, DatePicker, Descriptions, Form, Input, InputNumber, Space, Table, Tag, Typography } from 'antd';
import type { TableProps } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { api, problemMessage, unwrap } from '../api/client.ts';
import type { paths } from '../api/schema.d.ts';
import { useSession } from '../auth/session.tsx';
import { useI18n } from '../i18n/index.tsx';
import { formatDate, formatDateTime } from '../time.ts';
import { LoadError } from '../components/States.tsx';

type Audit = paths['/api/v1/reports/audits/{id}']['get']['responses'][200]['content']['application/json'];
type Summary = paths['/api/v1/reports/audits']['get']['responses'][200]['content']['application/json']['items'][number];
type Sample = Audit['result']['sample']['items'][number];
const H2 = { fontSize: 16, margin: 0 };
const DARK = { color: 'rgba(0, 0, 0, 0.88)' };

interface OpenForm {
  custodian: string;
  period: [Dayjs, Dayjs];
  sample_size: number;
  seen_size?: number;
  seen_root?: string;
}

/** Data audits: open one, read its sample and evidence, download its report. */
export default function Audits() {
  const { t, lang } = useI18n();
  const { message } = AntApp.useApp();
  const { session } = useSession();
  const roles = new Set(session!.user.roles);
  const auditor = roles.has('coordinator') || roles.has('auditor');
  const client = useQueryClient();
  const [selected, setSelected] = useState<string | null>(null);
  const [form] = Form.useForm<OpenForm>();

  const list = useQuery({
    queryKey: ['audits'],
    queryFn: async () => unwrap(await api.GET('/api/v1/reports/audits', { params: { query: { limit: 50 } } })),
  });
  const detail = useQuery({
    queryKey: ['audit', selected],
    queryFn: async () => unwrap(await api.GET('/api/v1/reports/audits/{id}', { params: { path: { id: selected! } } })),
    enabled: selected !== null,
  });
  const open = useMutation({
    mutationFn: async (v: OpenForm) =>
      unwrap(
        await api.POST('/api/v1/reports/audits', {
          body: {
            custodian: v.custodian.trim(),
            from: v.period[0].format('YYYY-MM-DD'),
            to: v.period[1].format('YYYY-MM-DD'),
            sample_size: v.sample_size,
            ...(v.seen_size !== undefined && v.seen_root ? { seen_checkpoint: { tree_size: v.seen_size, root_hash: v.seen_root.trim() } } : {}),
          },
        }),
      ),
    onSuccess: (a) => {
      message.success(t('aud.opened'));
      setSelected(a.id);
      void client.invalidateQueries({ queryKey: ['audits'] });
    },
    onError: (err) => void message.error(problemMessage(err, lang, t('common.error'))),
  });

  const passTag = (ok: boolean) => (
    <Tag color={ok ? 'green' : 'red'} style={DARK}>
      {ok ? t('aud.pass') : t('aud.fail')}
    </Tag>
  );
  const listColumns: TableProps<Summary>['columns'] = [
    { title: t('aud.custodian'), dataIndex: 'custodian_code', width: 120 },
    { title: t('aud.col.period'), key: 'period', render: (_, a) => `${formatDate(a.period_from)} – ${formatDate(a.period_to)}` },
    { title: t('aud.col.openedBy'), dataIndex: 'opened_by', width: 120 },
    { title: t('aud.col.openedAt'), dataIndex: 'opened_at', width: 160, render: (v: string) => formatDateTime(v) },
    { title: t('aud.col.result'), dataIndex: 'ok', width: 110, render: passTag },
    {
      title: '',
      key: 'actions',
      width: 240,
      render: (_, a) => (
        <Space>
          <Button size="small" onClick={() => setSelected(a.id)}>
            {t('aud.view')}
          </Button>
          <a href={`/api/v1/reports/audits/${a.id}/report.xlsx`} download>
            {t('aud.download')}
          </a>
          <a href={`/api/v1/reports/audits/${a.id}/report.pdf`} download>
            {t('aud.downloadPdf')}
          </a>
        </Space>
      ),
    },
  ];
  const sampleColumns: TableProps<Sample>['columns'] = [
    { title: t('aud.col.position'), dataIndex: 'leaf_index', width: 110 },
    { title: t('aud.col.openedAt'), dataIndex: 'requested_at', width: 160, render: (v: string) => formatDateTime(v) },
    { title: t('aud.col.consumer'), key: 'consumer', width: 150, render: (_, s) => s.consumer_system ?? '—' },
    { title: t('aud.col.fields'), key: 'fields', render: (_, s) => s.fields.join(', ') },
    { title: t('aud.col.result'), dataIndex: 'ok', width: 110, render: passTag },
    { title: t('aud.col.problems'), key: 'problems', render: (_, s) => s.problems.map((p) => (lang === 'vi' ? p.vi : p.en)).join(' ') },
    {
      title: t('aud.col.evidence'),
      key: 'evidence',
      width: 200,
      render: (_, s) => (
        <Space direction="vertical" size={0}>
          {s.evidence.map((e) => (
            <a key={e.href} href={e.href} target="_blank" rel="noreferrer">
              {lang === 'vi' ? e.label_vi : e.label_en}
            </a>
          ))}
        </Space>
      ),
    },
  ];
  const a = detail.data;

  return (
    <>
      <Typography.Title level={1} style={{ fontSize: 24, marginTop: 0 }}>
        {t('aud.title')}
      </Typography.Title>
      <Typography.Paragraph>{t('aud.intro')}</Typography.Paragraph>
      {auditor && (
        <Card title={<h2 style={H2}>{t('aud.open')}</h2>} style={{ marginBottom: 16 }}>
          <Form<OpenForm>
            form={form}
            layout="inline"
            initialValues={{ sample_size: 50, period: [dayjs().subtract(30, 'day'), dayjs()] }}
            onFinish={(v) => open.mutate(v)}
          >
            <Form.Item name="custodian" label={t('aud.custodian')} rules={[{ required: true, whitespace: true }]}>
              <Input style={{ width: 120 }} />
            </Form.Item>
            <Form.Item name="period" label={t('aud.period')} rules={[{ required: true }]}>
              <DatePicker.RangePicker />
            </Form.Item>
            <Form.Item name="sample_size" label={t('aud.sample')}>
              <InputNumber min={1} max={1000} />
            </Form.Item>
            <Form.Item name="seen_size" label={t('aud.seenSize')}>
              <InputNumber min={0} />
            </Form.Item>
            <Form.Item name="seen_root" label={t('aud.seenRoot')}>
              <Input style={{ width: 360 }} />
            </Form.Item>
            <Form.Item>
              <Button type="primary" htmlType="submit" loading={open.isPending}>
                {t('aud.open')}
              </Button>
            </Form.Item>
          </Form>
        </Card>
      )}
      <Card title={<h2 style={H2}>{t('aud.list')}</h2>} style={{ marginBottom: 16 }}>
        {list.isError ? (
          <LoadError error={list.error} retry={() => void list.refetch()} />
        ) : (
          <Table<Summary>
            rowKey="id"
            data-testid="audits"
            columns={listColumns}
            dataSource={list.data?.items ?? []}
            loading={list.isPending}
            pagination={false}
            locale={{ emptyText: t('aud.empty') }}
          />
        )}
      </Card>
      {a && (
        <Card
          data-testid="audit-detail"
          title={<h2 style={H2}>{t('aud.detail', { custodian: a.custodian_code, from: formatDate(a.period_from), to: formatDate(a.period_to) })}</h2>}
          extra={
            <Space>
              <a href={`/api/v1/reports/audits/${a.id}/report.xlsx`} download>
                {t('aud.download')}
              </a>
              <a href={`/api/v1/reports/audits/${a.id}/report.pdf`} download>
                {t('aud.downloadPdf')}
              </a>
            </Space>
          }
        >
          <Descriptions column={1} size="small" style={{ marginBottom: 16 }}>
            <Descriptions.Item label={t('aud.col.result')}>{passTag(a.ok)}</Descriptions.Item>
            <Descriptions.Item label={t('aud.verification', { n: a.result.verification.entries, c: a.result.verification.checkpoints })}>
              {passTag(a.result.verification.ok)}
            </Descriptions.Item>
            <Descriptions.Item label={t('aud.consistency')}>
              {a.result.consistency.ok === null ? t('aud.notChecked') : passTag(a.result.consistency.ok)}{' '}
              {lang === 'vi' ? a.result.consistency.detail_vi : a.result.consistency.detail_en}
            </Descriptions.Item>
            <Descriptions.Item label={t('aud.population', { n: a.result.population.entries, served: a.result.population.served })}>
              {a.result.population.first_index === null ? '—' : `${a.result.population.first_index} – ${a.result.population.last_index}`}
            </Descriptions.Item>
            <Descriptions.Item label={t('aud.findings', { n: a.result.findings.open })}>
              {a.result.findings.by_rule.map((b) => `${b.rule}: ${b.count}`).join(', ') || '—'}
            </Descriptions.Item>
          </Descriptions>
          <h3 style={{ fontSize: 14 }}>{t('aud.sampleTitle', { n: a.result.sample.size, bad: a.result.sample.violations })}</h3>
          <Table<Sample>
            rowKey="leaf_index"
            data-testid="audit-sample"
            columns={sampleColumns}
            dataSource={a.result.sample.items}
            pagination={{ pageSize: 50, hideOnSinglePage: true }}
            scroll={{ x: 900 }}
          />
        </Card>
      )}
    </>
  );
}
