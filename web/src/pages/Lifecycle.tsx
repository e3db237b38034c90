import { useMemo, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App as AntApp, Button, Card, ConfigProvider, DatePicker, Flex, Form, Input, Modal, Select, Space, Table, Tabs, Tag, Typography } from 'antd';
import type { TableProps } from 'antd';
import type { Dayjs } from 'dayjs';
import { ApiError, api, problemMessage, unwrap } from '../api/client.ts';
import type { paths } from '../api/schema.d.ts';
import { agencyCodeOf, useSession } from '../auth/session.tsx';
import { EmptyState, LoadError } from '../components/States.tsx';
import { ConsumerActions, type ConsumerSuspension } from '../components/lifecycle/ConsumerActions.tsx';
import { type Basis, DeadlineBasis } from '../components/lifecycle/DeadlineBasis.tsx';
import { type CalendarDependence, DeadlineCalendar } from '../components/lifecycle/DeadlineCalendar.tsx';
import { LifecycleHistory } from '../components/lifecycle/History.tsx';
import { useUrlFilters } from '../components/useUrlFilters.ts';
import { DATE_TIME_FORMAT, type MessageKey, useI18n } from '../i18n/index.tsx';
import { formatDate, formatDateTime } from '../time.ts';

/** Coloured tags keep dark text: the presets' light text fails WCAG AA contrast. */
const DARK = { color: 'rgba(0, 0, 0, 0.88)' };
/** Validation messages in a red dark enough for WCAG AA (antd's default error red is 3.3:1 on white). */
const ERROR_THEME = { token: { colorError: '#c0262d' } };

type ServiceSuspension = paths['/api/v1/service-suspensions']['get']['responses'][200]['content']['application/json']['items'][number];

/** Today's date in Viet Nam, YYYY-MM-DD. */
function vietnamToday(now = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Ho_Chi_Minh', year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}
/** The picker's wall-clock value read as Viet Nam time (UTC+7), whatever the browser's zone. */
function vietnamInstant(v: Dayjs): string {
  return `${v.format('YYYY-MM-DDTHH:mm')}:00+07:00`;
}

/** the earliest start of a stop announced today, and the rule applied, as the server computes it. */
function useEarliestPlannedStart() {
  return useQuery({
    queryKey: ['service-suspensions', 'earliest-start', vietnamToday()],
    queryFn: async () => unwrap(await api.GET('/api/v1/service-suspensions/earliest-start')),
    staleTime: 60_000,
  });
}

function RuleError({ error }: { error: unknown }) {
  const { t, lang } = useI18n();
  if (!error) return null;
  const p = error instanceof ApiError ? (error.problem as Record<string, unknown> | undefined) : undefined;
  const rule = typeof p?.rule === 'string' ? p.rule : undefined;
  const earliest = typeof p?.earliest_start === 'string' ? p.earliest_start : undefined;
  const basis = typeof p?.deadline_basis === 'object' ? (p.deadline_basis as Basis) : undefined;
  const calendar = typeof p?.deadline_calendar === 'object' ? (p.deadline_calendar as CalendarDependence) : undefined;
  return (
    <Alert
      type="error"
      showIcon
      role="alert"
      data-testid="lifecycle-error"
      title={rule ? `${rule} — ${t('lifecycle.refused')}` : t('lifecycle.refused')}
      description={
        <>
          <div>{problemMessage(error, lang, t('common.error'))}</div>
          {earliest && (
            <div data-testid="refused-earliest">
              <strong>{t('lifecycle.earliest.refused', { date: formatDate(earliest) })}</strong>
            </div>
          )}
          <DeadlineBasis basis={basis} />
          <DeadlineCalendar calendar={calendar} />
        </>
      }
    />
  );
}

function AnnounceForm({ datasets, onDone }: { datasets: { value: string; label: string }[]; onDone(): void }) {
  const { t } = useI18n();
  const { message } = AntApp.useApp();
  const earliest = useEarliestPlannedStart();
  const [form] = Form.useForm();
  const start = Form.useWatch('starts_at', form) as Dayjs | null | undefined;
  const tooEarly = !!(start && earliest.data && start.format('YYYY-MM-DD') < earliest.data.earliest_start);
  const create = useMutation({
    mutationFn: async (v: { dataset: string; starts_at: Dayjs; expected_restore_at: Dayjs; reason: string }) =>
      unwrap(
        await api.POST('/api/v1/service-suspensions', {
          body: {
            kind: 'planned',
            dataset: v.dataset,
            starts_at: vietnamInstant(v.starts_at),
            expected_restore_at: vietnamInstant(v.expected_restore_at),
            reason: v.reason,
          },
        }),
      ),
    onSuccess: () => {
      message.success(t('lifecycle.announced'));
      form.resetFields();
      onDone();
    },
  });
  return (
    <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('lifecycle.planned.title')}</h2>} style={{ marginBottom: 16 }}>
      <div data-testid="earliest-start" style={{ marginBottom: 12 }}>
        {earliest.isError ? (
          <LoadError error={earliest.error} retry={() => void earliest.refetch()} />
        ) : earliest.data ? (
          <Alert
            type="info"
            showIcon
            title={`R-15.3 — ${t('lifecycle.earliest', { date: formatDate(earliest.data.earliest_start) })}`}
            description={
              <>
                {t('lifecycle.earliest.why', { today: formatDate(earliest.data.today), seventh: formatDate(earliest.data.last_notice_day) })}
                <DeadlineBasis basis={earliest.data.deadline_basis} />
                <DeadlineCalendar calendar={earliest.data.deadline_calendar} />
              </>
            }
          />
        ) : (
          <Typography.Text>{t('common.loading')}</Typography.Text>
        )}
      </div>
      <Form form={form} name="planned" layout="vertical" onFinish={(v) => create.mutate(v)} aria-label={t('lifecycle.planned.title')}>
        <Flex wrap gap={16}>
          <Form.Item
            name="dataset"
            label={t('lifecycle.dataset')}
            htmlFor="planned-dataset"
            rules={[{ required: true, message: t('lifecycle.required') }]}
            style={{ flex: '2 1 260px', minWidth: 0 }}
          >
            <Select id="planned-dataset" showSearch optionFilterProp="label" options={datasets} />
          </Form.Item>
          <Form.Item
            name="starts_at"
            label={t('lifecycle.starts_at')}
            htmlFor="planned-start"
            rules={[{ required: true, message: t('lifecycle.required') }]}
            style={{ flex: '1 1 200px' }}
          >
            <DatePicker id="planned-start" showTime={{ format: 'HH:mm' }} format={DATE_TIME_FORMAT} style={{ width: '100%' }} />
          </Form.Item>
          <Form.Item
            name="expected_restore_at"
            label={t('lifecycle.restore_at')}
            htmlFor="planned-restore"
            rules={[{ required: true, message: t('lifecycle.required') }]}
            style={{ flex: '1 1 200px' }}
          >
            <DatePicker id="planned-restore" showTime={{ format: 'HH:mm' }} format={DATE_TIME_FORMAT} style={{ width: '100%' }} />
          </Form.Item>
        </Flex>
        {tooEarly && (
          <Alert
            type="warning"
            showIcon
            style={{ marginBottom: 16 }}
            data-testid="too-early"
            title={`R-15.3 — ${t('lifecycle.tooEarly', { date: formatDate(earliest.data!.earliest_start) })}`}
          />
        )}
        <Form.Item name="reason" label={t('lifecycle.reason')} htmlFor="planned-reason" rules={[{ required: true, message: t('lifecycle.required') }]}>
          <Input.TextArea id="planned-reason" rows={2} maxLength={2000} />
        </Form.Item>
        {create.isError && (
          <div style={{ marginBottom: 12 }}>
            <RuleError error={create.error} />
          </div>
        )}
        <Button type="primary" htmlType="submit" loading={create.isPending}>
          {t('lifecycle.announce')}
        </Button>
      </Form>
    </Card>
  );
}

function ForceMajeureForm({ datasets, onDone }: { datasets: { value: string; label: string }[]; onDone(): void }) {
  const { t } = useI18n();
  const { message } = AntApp.useApp();
  const [form] = Form.useForm();
  const create = useMutation({
    mutationFn: async (v: { dataset: string; starts_at: Dayjs; reason: string; body_vi?: string; body_en?: string }) =>
      unwrap(
        await api.POST('/api/v1/service-suspensions', {
          body: {
            kind: 'force_majeure',
            dataset: v.dataset,
            starts_at: vietnamInstant(v.starts_at),
            reason: v.reason,
            ...(v.body_vi && v.body_en ? { publish_notice: { body_vi: v.body_vi, body_en: v.body_en } } : {}),
          },
        }),
      ),
    onSuccess: () => {
      message.success(t('lifecycle.recorded'));
      form.resetFields();
      onDone();
    },
  });
  return (
    <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('lifecycle.fm.title')}</h2>} style={{ marginBottom: 16 }}>
      <Typography.Paragraph>{t('lifecycle.fm.help')}</Typography.Paragraph>
      <Form form={form} name="fm" layout="vertical" onFinish={(v) => create.mutate(v)} aria-label={t('lifecycle.fm.title')}>
        <Flex wrap gap={16}>
          <Form.Item
            name="dataset"
            label={t('lifecycle.dataset')}
            htmlFor="fm-dataset"
            rules={[{ required: true, message: t('lifecycle.required') }]}
            style={{ flex: '2 1 260px', minWidth: 0 }}
          >
            <Select id="fm-dataset" showSearch optionFilterProp="label" options={datasets} />
          </Form.Item>
          <Form.Item
            name="starts_at"
            label={t('lifecycle.fm.started')}
            htmlFor="fm-start"
            rules={[{ required: true, message: t('lifecycle.required') }]}
            style={{ flex: '1 1 200px' }}
          >
            <DatePicker id="fm-start" showTime={{ format: 'HH:mm' }} format={DATE_TIME_FORMAT} style={{ width: '100%' }} />
          </Form.Item>
        </Flex>
        <Form.Item name="reason" label={t('lifecycle.reason')} htmlFor="fm-reason" rules={[{ required: true, message: t('lifecycle.required') }]}>
          <Input.TextArea id="fm-reason" rows={2} maxLength={2000} />
        </Form.Item>
        <Flex wrap gap={16}>
          <Form.Item name="body_vi" label={t('lifecycle.notice.vi')} htmlFor="fm-body-vi" style={{ flex: '1 1 300px' }}>
            <Input.TextArea id="fm-body-vi" rows={2} />
          </Form.Item>
          <Form.Item name="body_en" label={t('lifecycle.notice.en')} htmlFor="fm-body-en" style={{ flex: '1 1 300px' }}>
            <Input.TextArea id="fm-body-en" rows={2} />
          </Form.Item>
        </Flex>
        {create.isError && (
          <div style={{ marginBottom: 12 }}>
            <RuleError error={create.error} />
          </div>
        )}
        <Button htmlType="submit" loading={create.isPending}>
          {t('lifecycle.fm.record')}
        </Button>
      </Form>
    </Card>
  );
}

/** The clock of a force-majeure stop: due time, and whether it is overdue. */
function NoticeClock({ s }: { s: ServiceSuspension }) {
  const { t } = useI18n();
  if (s.kind !== 'force_majeure' || !s.notice_due_at) return <>{s.notice ? s.notice.reference : '—'}</>;
  return (
    <Space orientation="vertical" size={2}>
      {s.notice ? <span>{s.notice.reference}</span> : <span>{t('lifecycle.notice.none')}</span>}
      <span>{t('lifecycle.notice.due', { at: formatDateTime(s.notice_due_at) })}</span>
      <DeadlineBasis basis={s.deadline_basis.notice_due_at} />
      {s.notice_overdue && (
        <Tag color="red" style={DARK}>
          R-15.4 — {t('lifecycle.notice.overdue')}
        </Tag>
      )}
    </Space>
  );
}

function ServiceActions({ s, canEdit, onDone }: { s: ServiceSuspension; canEdit: boolean; onDone(): void }) {
  const { t, lang } = useI18n();
  const { message } = AntApp.useApp();
  const [mode, setMode] = useState<'end' | 'notice' | null>(null);
  const [form] = Form.useForm();
  const act = useMutation({
    mutationFn: async (v: { reason?: string; body_vi?: string; body_en?: string }) =>
      mode === 'end'
        ? unwrap(await api.POST('/api/v1/service-suspensions/{id}/end', { params: { path: { id: s.id } }, body: { reason: v.reason! } }))
        : unwrap(
            await api.POST('/api/v1/service-suspensions/{id}/notice', { params: { path: { id: s.id } }, body: { body_vi: v.body_vi!, body_en: v.body_en! } }),
          ),
    onSuccess: () => {
      message.success(t('lifecycle.saved'));
      setMode(null);
      form.resetFields();
      onDone();
    },
  });
  if (!canEdit || s.ended_at) return null;
  return (
    <>
      <Space wrap>
        {s.kind === 'force_majeure' && !s.notice && (
          <Button size="small" onClick={() => setMode('notice')}>
            {t('lifecycle.notice.publish')}
          </Button>
        )}
        <Button size="small" onClick={() => setMode('end')}>
          {t('lifecycle.end')}
        </Button>
      </Space>
      <Modal
        open={mode !== null}
        title={mode === 'end' ? t('lifecycle.end') : t('lifecycle.notice.publish')}
        onCancel={() => setMode(null)}
        onOk={() => form.submit()}
        okText={t('lifecycle.confirm')}
        cancelText={t('lifecycle.cancel')}
        confirmLoading={act.isPending}
        destroyOnHidden
      >
        <Form form={form} layout="vertical" onFinish={(v) => act.mutate(v)}>
          {mode === 'end' ? (
            <Form.Item name="reason" label={t('lifecycle.reason')} htmlFor={`end-${s.id}`} rules={[{ required: true, message: t('lifecycle.required') }]}>
              <Input.TextArea id={`end-${s.id}`} rows={2} />
            </Form.Item>
          ) : (
            <>
              <Form.Item name="body_vi" label={t('lifecycle.notice.vi')} htmlFor={`nvi-${s.id}`} rules={[{ required: true, message: t('lifecycle.required') }]}>
                <Input.TextArea id={`nvi-${s.id}`} rows={2} />
              </Form.Item>
              <Form.Item name="body_en" label={t('lifecycle.notice.en')} htmlFor={`nen-${s.id}`} rules={[{ required: true, message: t('lifecycle.required') }]}>
                <Input.TextArea id={`nen-${s.id}`} rows={2} />
              </Form.Item>
            </>
          )}
          {act.isError && <Alert type="error" showIcon title={problemMessage(act.error, lang, t('common.error'))} />}
        </Form>
      </Modal>
    </>
  );
}

function ServiceTab({ canEdit }: { canEdit: boolean }) {
  const { t, lang } = useI18n();
  const qc = useQueryClient();
  const list = useQuery({
    queryKey: ['service-suspensions'],
    queryFn: async () => unwrap(await api.GET('/api/v1/service-suspensions', {})),
  });
  const datasets = useQuery({
    queryKey: ['datasets', 'lifecycle-options'],
    queryFn: async () => unwrap(await api.GET('/api/v1/datasets', { params: { query: { limit: 200, offset: 0, status: 'published' } } })),
    enabled: canEdit,
  });
  const options = useMemo(
    () => (datasets.data?.items ?? []).map((d) => ({ value: d.code, label: `${d.code} — ${lang === 'vi' ? d.name_vi : d.name_en}` })),
    [datasets.data, lang],
  );
  const refresh = () => void qc.invalidateQueries({ queryKey: ['service-suspensions'] });
  const columns: TableProps<ServiceSuspension>['columns'] = [
    {
      key: 'kind',
      title: t('lifecycle.col.kind'),
      width: 130,
      render: (_, s) => (
        <Tag color={s.kind === 'planned' ? 'blue' : 'volcano'} style={DARK}>
          {t(`lifecycle.kind.${s.kind}` as MessageKey)}
        </Tag>
      ),
    },
    {
      key: 'dataset',
      title: `${t('lifecycle.dataset')} / ${t('lifecycle.reason')}`,
      render: (_, s) => (
        <>
          <Typography.Text code>{s.dataset_code}</Typography.Text>
          <br />
          {s.reason}
        </>
      ),
    },
    {
      key: 'when',
      title: t('lifecycle.col.when'),
      width: 180,
      render: (_, s) => (
        <>
          {formatDateTime(s.starts_at)}
          <br />→ {s.expected_restore_at ? formatDateTime(s.expected_restore_at) : '—'}
        </>
      ),
    },
    { key: 'notice', title: t('lifecycle.col.notice'), width: 220, render: (_, s) => <NoticeClock s={s} /> },
    {
      key: 'state',
      title: t('lifecycle.col.state'),
      width: 130,
      render: (_, s) =>
        s.ended_at ? (
          <Tag style={DARK}>{t('lifecycle.state.ended')}</Tag>
        ) : s.in_force ? (
          <Tag color="red" style={DARK}>
            {t('lifecycle.state.in_force')}
          </Tag>
        ) : (
          <Tag color="gold" style={DARK}>
            {t('lifecycle.state.upcoming')}
          </Tag>
        ),
    },
    { key: 'actions', title: t('lifecycle.col.actions'), width: 160, render: (_, s) => <ServiceActions s={s} canEdit={canEdit} onDone={refresh} /> },
  ];
  return (
    <>
      {canEdit && <AnnounceForm datasets={options} onDone={refresh} />}
      {canEdit && <ForceMajeureForm datasets={options} onDone={refresh} />}
      <h2 style={{ fontSize: 18 }}>{t('lifecycle.list.title')}</h2>
      {list.isError ? (
        <LoadError error={list.error} retry={() => void list.refetch()} />
      ) : (
        <Table<ServiceSuspension>
          rowKey="id"
          data-testid="service-table"
          columns={columns}
          dataSource={list.data?.items ?? []}
          loading={list.isFetching}
          locale={{ emptyText: list.isPending ? ' ' : <EmptyState text={t('lifecycle.list.empty')} /> }}
          pagination={{ pageSize: 20, showSizeChanger: false }}
        />
      )}
    </>
  );
}

/** R-16.1(đ): where the 30 days from the consumer's receipt of the notice stand. */
function RemedyPeriod({ s }: { s: ConsumerSuspension }) {
  const { t } = useI18n();
  if (s.restored_at) return <Tag style={DARK}>{t('lifecycle.cs.restored', { at: formatDateTime(s.restored_at) })}</Tag>;
  if (s.remedied_at)
    return (
      <Tag color="green" style={DARK}>
        {t('lifecycle.cs.remedied.at', { at: formatDateTime(s.remedied_at) })}
      </Tag>
    );
  return (
    <Space orientation="vertical" size={2}>
      {s.received_at ? <span>{t('lifecycle.cs.received', { at: formatDateTime(s.received_at) })}</span> : <span>{t('lifecycle.cs.not_received')}</span>}
      {s.termination_eligible_from && <span>R-16.1(đ) — {t('lifecycle.cs.eligible', { date: formatDate(s.termination_eligible_from) })}</span>}
      <DeadlineBasis basis={s.deadline_basis.termination_eligible_from} />
      <DeadlineCalendar calendar={s.deadline_calendar.termination_eligible_from} />
    </Space>
  );
}

function ConsumerTab({ canEdit }: { canEdit: boolean }) {
  const { t } = useI18n();
  const { session } = useSession();
  const user = session!.user;
  const consumerAdmin = user.roles.includes('consumer_admin');
  const qc = useQueryClient();
  const { message } = AntApp.useApp();
  const [form] = Form.useForm();
  const list = useQuery({
    queryKey: ['consumer-suspensions'],
    queryFn: async () => unwrap(await api.GET('/api/v1/consumer-suspensions', {})),
  });
  const create = useMutation({
    mutationFn: async (v: {
      agreement_id: string;
      ground: 'purpose_violation' | 'security_risk';
      violation: string;
      handling: string;
      requirements: string;
      found_at: Dayjs;
    }) => unwrap(await api.POST('/api/v1/consumer-suspensions', { body: { ...v, found_at: vietnamInstant(v.found_at) } })),
    onSuccess: () => {
      message.success(t('lifecycle.saved'));
      form.resetFields();
      void qc.invalidateQueries({ queryKey: ['consumer-suspensions'] });
    },
  });
  const columns: TableProps<ConsumerSuspension>['columns'] = [
    { key: 'ref', title: t('lifecycle.cs.reference'), dataIndex: 'reference', width: 150 },
    {
      key: 'who',
      title: t('lifecycle.cs.consumer'),
      width: 200,
      render: (_, s) => (
        <>
          {s.consumer_code} / {s.system_code}
          <br />
          <Typography.Text code>{s.dataset_code}</Typography.Text>
        </>
      ),
    },
    { key: 'ground', title: t('lifecycle.cs.ground'), width: 160, render: (_, s) => t(`lifecycle.ground.${s.ground}` as MessageKey) },
    { key: 'violation', title: t('lifecycle.cs.violation'), dataIndex: 'violation' },
    {
      key: 'notice',
      title: t('lifecycle.cs.notice'),
      width: 220,
      render: (_, s) => (
        <Space orientation="vertical" size={2}>
          <span>{t('lifecycle.cs.found', { at: formatDateTime(s.found_at) })}</span>
          <span>{t('lifecycle.notice.due', { at: formatDateTime(s.notice_due_at) })}</span>
          <DeadlineBasis basis={s.deadline_basis.notice_due_at} />
          <DeadlineCalendar calendar={s.deadline_calendar.notice_due_at} />
          {s.notice_late ? (
            <Tag color="red" style={DARK}>
              R-15.5 — {t('lifecycle.cs.late')}
            </Tag>
          ) : (
            <Tag color="green" style={DARK}>
              R-15.5 — {t('lifecycle.cs.ontime')}
            </Tag>
          )}
        </Space>
      ),
    },
    { key: 'term', title: t('lifecycle.cs.termination'), width: 230, render: (_, s) => <RemedyPeriod s={s} /> },
    {
      key: 'actions',
      title: t('lifecycle.col.actions'),
      width: 170,
      render: (_, s) => (
        <ConsumerActions
          s={s}
          canRestore={canEdit}
          canRemedy={canEdit || (consumerAdmin && agencyCodeOf(user) === s.consumer_code)}
          onDone={() => void qc.invalidateQueries({ queryKey: ['consumer-suspensions'] })}
        />
      ),
    },
  ];
  return (
    <>
      {canEdit && (
        <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('lifecycle.cs.new')}</h2>} style={{ marginBottom: 16 }}>
          <Form form={form} name="cs" layout="vertical" onFinish={(v) => create.mutate(v)} aria-label={t('lifecycle.cs.new')}>
            <Flex wrap gap={16}>
              <Form.Item
                name="agreement_id"
                label={t('lifecycle.cs.agreement')}
                htmlFor="cs-agreement"
                rules={[{ required: true, message: t('lifecycle.required') }]}
                style={{ flex: '2 1 300px' }}
              >
                <Input id="cs-agreement" />
              </Form.Item>
              <Form.Item
                name="ground"
                label={t('lifecycle.cs.ground')}
                htmlFor="cs-ground"
                rules={[{ required: true, message: t('lifecycle.required') }]}
                style={{ flex: '1 1 200px' }}
              >
                <Select
                  id="cs-ground"
                  options={['purpose_violation', 'security_risk'].map((g) => ({ value: g, label: t(`lifecycle.ground.${g}` as MessageKey) }))}
                />
              </Form.Item>
              <Form.Item
                name="found_at"
                label={t('lifecycle.cs.found_at')}
                htmlFor="cs-found"
                rules={[{ required: true, message: t('lifecycle.required') }]}
                style={{ flex: '1 1 200px' }}
              >
                <DatePicker id="cs-found" showTime={{ format: 'HH:mm' }} format={DATE_TIME_FORMAT} style={{ width: '100%' }} />
              </Form.Item>
            </Flex>
            <Form.Item
              name="violation"
              label={t('lifecycle.cs.violation')}
              htmlFor="cs-violation"
              rules={[{ required: true, message: t('lifecycle.required') }]}
            >
              <Input.TextArea id="cs-violation" rows={2} />
            </Form.Item>
            <Form.Item name="handling" label={t('lifecycle.cs.handling')} htmlFor="cs-handling" rules={[{ required: true, message: t('lifecycle.required') }]}>
              <Input.TextArea id="cs-handling" rows={2} />
            </Form.Item>
            <Form.Item
              name="requirements"
              label={t('lifecycle.cs.requirements')}
              htmlFor="cs-req"
              rules={[{ required: true, message: t('lifecycle.required') }]}
            >
              <Input.TextArea id="cs-req" rows={2} />
            </Form.Item>
            {create.isError && (
              <div style={{ marginBottom: 12 }}>
                <RuleError error={create.error} />
              </div>
            )}
            <Button htmlType="submit" loading={create.isPending}>
              {t('lifecycle.cs.submit')}
            </Button>
          </Form>
        </Card>
      )}
      {list.isError ? (
        <LoadError error={list.error} retry={() => void list.refetch()} />
      ) : (
        <Table<ConsumerSuspension>
          rowKey="id"
          data-testid="consumer-table"
          columns={columns}
          dataSource={list.data?.items ?? []}
          loading={list.isFetching}
          locale={{ emptyText: list.isPending ? ' ' : <EmptyState text={t('lifecycle.cs.empty')} /> }}
          pagination={{ pageSize: 20, showSizeChanger: false }}
        />
      )}
    </>
  );
}

/** Art. 15–16: service stops (planned, force majeure) and consumer suspensions. */
export default function Lifecycle() {
  const { t } = useI18n();
  const { session } = useSession();
  const { params, update } = useUrlFilters();
  const roles = new Set(session?.user.roles ?? []);
  const canEdit = roles.has('coordinator') || roles.has('custodian_admin');
  const tab = params.get('tab') ?? 'service';
  return (
    <ConfigProvider theme={ERROR_THEME}>
      <Typography.Title level={1} style={{ fontSize: 24, marginTop: 0 }}>
        {t('lifecycle.title')}
      </Typography.Title>
      <Typography.Paragraph>
        {t('lifecycle.intro')}{' '}
        <a href="/notices" style={{ textDecoration: 'underline' }}>
          {t('lifecycle.board')}
        </a>
      </Typography.Paragraph>
      {/* The tab is kept in the URL with the history's filters, so a filtered history can be linked to. */}
      <Tabs
        activeKey={tab}
        onChange={(key) => update({ tab: key === 'service' ? undefined : key, custodian: undefined, entity: undefined, action: undefined })}
        destroyOnHidden
        items={[
          { key: 'service', label: t('lifecycle.tab.service'), children: <ServiceTab canEdit={canEdit} /> },
          { key: 'consumer', label: t('lifecycle.tab.consumer'), children: <ConsumerTab canEdit={canEdit} /> },
          {
            key: 'history',
            label: t('lifecycle.tab.history'),
            children: <LifecycleHistory seesEverything={roles.has('coordinator') || roles.has('auditor')} />,
          },
        ]}
      />
    </ConfigProvider>
  );
}
