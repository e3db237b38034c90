import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App as AntApp, Alert, Button, Card, Form, Input, InputNumber, Modal, Space, Statistic, Table, Tag, Typography } from 'antd';
import type { TableProps } from 'antd';
import { api, problemMessage, unwrap } from '../api/client.ts';
import type { paths } from '../api/schema.d.ts';
import { agencyCodeOf, useSession } from '../auth/session.tsx';
import { type MessageKey, useI18n } from '../i18n/index.tsx';
import { formatDate, formatDateTime } from '../time.ts';
import { LoadError } from '../components/States.tsx';

type Preview = paths['/api/v1/reports/yearly/{year}/custodians/{custodian}']['get']['responses'][200]['content']['application/json'];
type Submission = Preview['submissions'][number];
type Overview = paths['/api/v1/reports/yearly/{year}/overview']['get']['responses'][200]['content']['application/json'];
type OverviewRow = Overview['custodians'][number];

const STATUS_COLOR: Record<OverviewRow['status'], string> = { submitted: 'green', submitted_late: 'gold', pending: 'blue', overdue: 'red' };
const DARK = { color: 'rgba(0, 0, 0, 0.88)' };
const fmt = new Intl.NumberFormat('vi-VN');

/** The yearly report of sharing results: preview, draft files, submission with versions; the Office's overview. */
export default function ReportsYearly() {
  const { t } = useI18n();
  const { session } = useSession();
  const user = session!.user;
  const roles = new Set(user.roles);
  const office = roles.has('coordinator') || roles.has('auditor');
  const [year, setYear] = useState(new Date().getFullYear());
  const [custodian, setCustodian] = useState(office ? '' : agencyCodeOf(user));
  return (
    <>
      <Typography.Title level={1} style={{ fontSize: 24, marginTop: 0 }}>
        {t('yr.title')}
      </Typography.Title>
      <Typography.Paragraph>{t('yr.intro')}</Typography.Paragraph>
      <Space wrap style={{ marginBottom: 16 }}>
        <span>{t('yr.year')}</span>
        <InputNumber aria-label={t('yr.year')} min={2000} max={new Date().getFullYear()} value={year} onChange={(v) => v && setYear(v)} />
        {office && (
          <>
            <span>{t('yr.custodian')}</span>
            <Input
              aria-label={t('yr.custodian')}
              style={{ width: 160 }}
              value={custodian}
              onChange={(e) => setCustodian(e.target.value.trim().toUpperCase())}
            />
          </>
        )}
      </Space>
      {custodian && <CustodianReport year={year} custodian={custodian} maySubmit={roles.has('custodian_admin') && custodian === agencyCodeOf(user)} />}
      {office && <OfficeOverview year={year} onPick={setCustodian} />}
    </>
  );
}

function CustodianReport({ year, custodian, maySubmit }: { year: number; custodian: string; maySubmit: boolean }) {
  const { t, lang } = useI18n();
  const { message } = AntApp.useApp();
  const client = useQueryClient();
  const [open, setOpen] = useState(false);
  const [form] = Form.useForm<{ signer_title: string; reason?: string }>();
  const key = ['yearly-report', year, custodian];
  const preview = useQuery({
    queryKey: key,
    queryFn: async () => unwrap(await api.GET('/api/v1/reports/yearly/{year}/custodians/{custodian}', { params: { path: { year, custodian } } })),
  });
  const submit = useMutation({
    mutationFn: async (body: { signer_title: string; reason?: string }) =>
      unwrap(await api.POST('/api/v1/reports/yearly/{year}/custodians/{custodian}/submissions', { params: { path: { year, custodian } }, body })),
    onSuccess: (s) => {
      message.success(t('yr.submitted', { version: s.version }));
      setOpen(false);
      form.resetFields();
      void client.invalidateQueries({ queryKey: key });
    },
    onError: (err) => void message.error(problemMessage(err, lang, t('common.error'))),
  });
  if (preview.isError) return <LoadError error={preview.error} retry={() => void preview.refetch()} />;
  const p = preview.data;
  const c = p?.content;
  const subs = p?.submissions ?? [];
  const draft = (f: 'xlsx' | 'pdf') => `/api/v1/reports/yearly/${year}/custodians/${encodeURIComponent(custodian)}/draft/${f}`;
  const file = (id: string, f: 'xlsx' | 'pdf') => `/api/v1/reports/yearly/submissions/${id}/${f}`;
  const columns: TableProps<Submission>['columns'] = [
    { title: t('yr.col.version'), dataIndex: 'version', width: 90 },
    { title: t('yr.col.at'), dataIndex: 'submitted_at', width: 160, render: (v: string) => formatDateTime(v) },
    { title: t('yr.col.by'), dataIndex: 'submitted_by', width: 140 },
    {
      title: t('yr.col.late'),
      dataIndex: 'late',
      width: 110,
      render: (late: boolean) => (
        <Tag color={late ? 'gold' : 'green'} style={DARK}>
          {late ? t('yr.late') : t('yr.onTime')}
        </Tag>
      ),
    },
    { title: t('yr.col.reason'), dataIndex: 'reason', render: (r: string | null) => r ?? '—' },
    {
      title: t('yr.col.files'),
      key: 'files',
      width: 140,
      render: (_, s) => (
        <Space>
          <a href={file(s.id, 'xlsx')} download>
            XLSX
          </a>
          <a href={file(s.id, 'pdf')} download>
            PDF
          </a>
        </Space>
      ),
    },
  ];
  return (
    <Card
      loading={preview.isPending}
      style={{ marginBottom: 16 }}
      title={<h2 style={{ fontSize: 16, margin: 0 }}>{c ? `${c.custodian.name_vi} (${c.custodian.code}) — ${year}` : custodian}</h2>}
      extra={
        <Space wrap>
          <a href={draft('xlsx')} download>
            {t('yr.draft.xlsx')}
          </a>
          <a href={draft('pdf')} download>
            {t('yr.draft.pdf')}
          </a>
          {maySubmit && (
            <Button type="primary" onClick={() => setOpen(true)}>
              {t('yr.submit')}
            </Button>
          )}
        </Space>
      }
    >
      {c && p && (
        <>
          <Typography.Paragraph type="secondary" data-testid="yr-basis">
            {t('yr.basis', { log: c.basis.log, position: c.basis.position })} ·{' '}
            {t('yr.deadline', { date: formatDate(p.deadline), reminder: formatDate(p.reminder_on) })}
          </Typography.Paragraph>
          <Space wrap size="large" style={{ marginBottom: 16 }}>
            <Statistic title={t('yr.exchanges')} value={fmt.format(c.totals.exchanges)} />
            <Statistic title={t('yr.refused')} value={fmt.format(c.totals.refused)} />
            <Statistic title={t('yr.bytes')} value={fmt.format(c.totals.bytes)} />
            <Statistic title={t('yr.datasets')} value={c.datasets.length} />
            <Statistic title={t('yr.opened')} value={c.agreements.opened.length} />
            <Statistic title={t('yr.closed')} value={c.agreements.closed.length} />
          </Space>
          <Table
            size="small"
            rowKey="dataset"
            title={() => t('yr.byDataset')}
            pagination={false}
            dataSource={c.by_dataset}
            columns={[
              { title: t('yr.col.dataset'), dataIndex: 'dataset' },
              { title: t('yr.exchanges'), dataIndex: 'exchanges', align: 'right', render: (v: number) => fmt.format(v) },
              { title: t('yr.refused'), dataIndex: 'refused', align: 'right', render: (v: number) => fmt.format(v) },
              { title: t('yr.bytes'), dataIndex: 'bytes', align: 'right', render: (v: number) => fmt.format(v) },
            ]}
          />
          <Typography.Title level={3} style={{ fontSize: 15, marginTop: 16 }}>
            {t('yr.versions')}
          </Typography.Title>
          <Table<Submission>
            rowKey="id"
            size="small"
            data-testid="yr-versions"
            pagination={false}
            dataSource={subs}
            columns={columns}
            locale={{ emptyText: t('yr.none') }}
          />
        </>
      )}
      <Modal
        open={open}
        title={t('yr.submit.title', { year })}
        okText={t('yr.submit')}
        onCancel={() => setOpen(false)}
        confirmLoading={submit.isPending}
        onOk={() => void form.validateFields().then((v) => submit.mutate({ signer_title: v.signer_title, ...(v.reason ? { reason: v.reason } : {}) }))}
        destroyOnHidden
      >
        <Alert type="warning" showIcon message={t('yr.submit.warn')} style={{ marginBottom: 16 }} />
        <Form form={form} layout="vertical">
          <Form.Item name="signer_title" label={t('yr.submit.signer')} rules={[{ required: true, whitespace: true, message: t('yr.submit.required') }]}>
            <Input maxLength={200} />
          </Form.Item>
          {subs.length > 0 && (
            <Form.Item name="reason" label={t('yr.submit.reason')} rules={[{ required: true, whitespace: true, message: t('yr.submit.required') }]}>
              <Input.TextArea rows={3} maxLength={2000} />
            </Form.Item>
          )}
        </Form>
      </Modal>
    </Card>
  );
}

function OfficeOverview({ year, onPick }: { year: number; onPick: (code: string) => void }) {
  const { t, lang } = useI18n();
  const overview = useQuery({
    queryKey: ['yearly-overview', year],
    queryFn: async () => unwrap(await api.GET('/api/v1/reports/yearly/{year}/overview', { params: { path: { year } } })),
  });
  const columns: TableProps<OverviewRow>['columns'] = [
    {
      title: t('yr.custodian'),
      key: 'custodian',
      render: (_, r) => (
        <Button type="link" style={{ padding: 0 }} onClick={() => onPick(r.custodian_code)}>
          {`${lang === 'vi' ? r.name_vi : r.name_en} (${r.custodian_code})`}
        </Button>
      ),
    },
    {
      title: t('yr.col.status'),
      dataIndex: 'status',
      width: 140,
      render: (s: OverviewRow['status']) => (
        <Tag color={STATUS_COLOR[s]} style={DARK}>
          {t(`yr.st.${s}` as MessageKey)}
        </Tag>
      ),
    },
    { title: t('yr.col.version'), key: 'version', width: 90, render: (_, r) => r.latest?.version ?? '—' },
    { title: t('yr.col.at'), key: 'at', width: 160, render: (_, r) => (r.latest ? formatDateTime(r.latest.submitted_at) : '—') },
    { title: t('yr.col.reminded'), dataIndex: 'reminded_at', width: 160, render: (v: string | null) => (v ? formatDateTime(v) : '—') },
  ];
  return (
    <Card
      title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('yr.overview')}</h2>}
      extra={
        <Space wrap>
          <a href={`/api/v1/reports/yearly/${year}/aggregated/xlsx`} download>
            {t('yr.aggregated.xlsx')}
          </a>
          <a href={`/api/v1/reports/yearly/${year}/aggregated/pdf`} download>
            {t('yr.aggregated.pdf')}
          </a>
        </Space>
      }
    >
      {overview.isError ? (
        <LoadError error={overview.error} retry={() => void overview.refetch()} />
      ) : (
        <Table<OverviewRow>
          rowKey="custodian_code"
          data-testid="yr-overview"
          size="small"
          loading={overview.isPending}
          dataSource={overview.data?.custodians ?? []}
          columns={columns}
          pagination={{ pageSize: 20 }}
          scroll={{ x: 700 }}
        />
      )}
    </Card>
  );
}
