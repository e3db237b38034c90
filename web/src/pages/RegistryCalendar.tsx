import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Card, Col, DatePicker, Flex, Form, Input, InputNumber, Modal, Row, Space, Switch, Table, Tag, Typography } from 'antd';
import type { TableProps } from 'antd';
import dayjs from 'dayjs';
import { api, problemMessage, unwrap } from '../api/client.ts';
import type { paths } from '../api/schema.d.ts';
import { useSession } from '../auth/session.tsx';
import { Pill } from '../components/registry/Pill.tsx';
import { EmptyState, LoadError, Loading } from '../components/States.tsx';
import { DATE_FORMAT, type MessageKey, useI18n } from '../i18n/index.tsx';
import { formatDate } from '../time.ts';

type Day = paths['/api/v1/calendar']['get']['responses'][200]['content']['application/json']['days'][number];
type Kind = Day['kind'];
const KINDS: Kind[] = ['workday', 'weekend', 'holiday', 'compensatory', 'day_off', 'makeup'];
/** Cell colours with dark text on light backgrounds (WCAG AA contrast). */
const KIND_STYLE: Record<Kind, { background: string; color: string }> = {
  workday: { background: '#ffffff', color: '#1f1f1f' },
  weekend: { background: '#eeeeee', color: '#4a4a4a' },
  holiday: { background: '#ffd6d6', color: '#7a0b0b' },
  compensatory: { background: '#ffe7ba', color: '#6b3d00' },
  day_off: { background: '#ffe7ba', color: '#6b3d00' },
  makeup: { background: '#d9f7be', color: '#1d4d07' },
};

/** A day the list shows: a holiday, a day off, a make-up day, or one a text decides. */
const special = (d: Day) => (d.kind !== 'workday' && d.kind !== 'weekend') || d.override || d.source !== null;

/** Read by screen readers, not shown. */
const SR_ONLY = { position: 'absolute', width: 1, height: 1, overflow: 'hidden', clip: 'rect(0 0 0 0)', whiteSpace: 'nowrap' } as const;

interface EditForm {
  date: dayjs.Dayjs;
  working: boolean;
  reason_vi: string;
  reason_en: string;
  legal_basis: string;
  source_document: string;
  source_issuer: string;
  source_date: dayjs.Dayjs;
  source_url?: string;
  reason?: string;
}

/** R-15.3: the official text of a day (number, issuer, date, link), or why it is only computed. */
function DaySourceCell({ day }: { day: Day }) {
  const { t, lang } = useI18n();
  if (day.status === 'computed') {
    return (
      <Space direction="vertical" size={2}>
        <Pill tone="orange">{t('calendar.computed')}</Pill>
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {lang === 'vi' ? day.status_note : day.status_note_en}
        </Typography.Text>
      </Space>
    );
  }
  if (!day.source) return <>—</>;
  const { document, issuer, date, url } = day.source;
  return (
    <Space direction="vertical" size={2} data-testid="calendar-source">
      {url ? (
        <Typography.Link href={url} target="_blank" rel="noreferrer">
          {document}
        </Typography.Link>
      ) : (
        <Typography.Text>{document}</Typography.Text>
      )}
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {t('calendar.source.issued', { issuer, date: formatDate(date) })}
      </Typography.Text>
    </Space>
  );
}

function Month({ month, days, kindLabel }: { month: number; days: Day[]; kindLabel: (k: Kind) => string }) {
  const { t, lang } = useI18n();
  const first = dayjs(days[0]!.date);
  const lead = (first.day() + 6) % 7; // Monday first
  const names = lang === 'vi' ? ['T2', 'T3', 'T4', 'T5', 'T6', 'T7', 'CN'] : ['Mo', 'Tu', 'We', 'Th', 'Fr', 'Sa', 'Su'];
  return (
    <Card size="small" title={<h3 style={{ fontSize: 14, margin: 0 }}>{t('calendar.month', { n: month })}</h3>}>
      <div
        role="grid"
        aria-label={t('calendar.month', { n: month })}
        style={{ display: 'grid', gridTemplateColumns: 'repeat(7, 1fr)', gap: 2, fontSize: 12, textAlign: 'center' }}
      >
        <div role="row" style={{ display: 'contents' }}>
          {names.map((n) => (
            <div role="columnheader" key={n} style={{ fontWeight: 600 }}>
              {n}
            </div>
          ))}
        </div>
        <div role="row" style={{ display: 'contents' }}>
          {Array.from({ length: lead }, (_, i) => (
            <div role="gridcell" key={`l${i}`} />
          ))}
          {days.map((d) => (
            <div
              role="gridcell"
              key={d.date}
              title={`${formatDate(d.date)}: ${lang === 'vi' ? d.reason : d.reason_en}${special(d) && d.status === 'computed' ? ` (${t('calendar.computed')})` : ''}`}
              data-kind={d.kind}
              data-status={d.status}
              style={{
                ...KIND_STYLE[d.kind],
                position: 'relative',
                borderRadius: 3,
                padding: '2px 0',
                outline: d.override ? '2px solid #1d39c4' : special(d) && d.status === 'computed' ? '2px dashed #ad4e00' : undefined,
                outlineOffset: -2,
              }}
            >
              {Number(d.date.slice(8))}
              <span
                style={SR_ONLY}
              >{` ${formatDate(d.date)}: ${kindLabel(d.kind)}${d.kind === 'workday' || d.kind === 'weekend' ? '' : ` — ${lang === 'vi' ? d.reason : d.reason_en}`}${special(d) && d.status === 'computed' ? ` (${t('calendar.computed')})` : ''}`}</span>
            </div>
          ))}
        </div>
      </div>
    </Card>
  );
}

/** The working-day calendar, a year at a time (GET /api/v1/calendar); the coordinator records days off and make-up days. */
export default function RegistryCalendar() {
  const { t, lang } = useI18n();
  const { session } = useSession();
  const isCoordinator = session!.user.roles.includes('coordinator');
  const queryClient = useQueryClient();
  const [params, setParams] = useSearchParams();
  const year = Number(params.get('year')) || dayjs().year();
  const [editing, setEditing] = useState(false);
  const [form] = Form.useForm<EditForm>();
  const cal = useQuery({
    queryKey: ['calendar', year],
    queryFn: async () => unwrap(await api.GET('/api/v1/calendar', { params: { query: { from: `${year}-01-01`, to: `${year}-12-31` } } })),
    placeholderData: keepPreviousData,
  });
  const kindLabel = (k: Kind) => t(`calendar.kind.${k}` as MessageKey) ?? k;
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['calendar'] });
  const save = useMutation({
    mutationFn: async (v: EditForm) =>
      unwrap(
        await api.PUT('/api/v1/calendar/days/{date}', {
          params: { path: { date: v.date.format('YYYY-MM-DD') } },
          body: {
            working: v.working,
            reason_vi: v.reason_vi,
            reason_en: v.reason_en,
            legal_basis: v.legal_basis,
            source: {
              document: v.source_document,
              issuer: v.source_issuer,
              date: v.source_date.format('YYYY-MM-DD'),
              ...(v.source_url && { url: v.source_url }),
            },
            ...(v.reason && { reason: v.reason }),
          },
        }),
      ),
    onSuccess: () => {
      setEditing(false);
      form.resetFields();
      refresh();
    },
  });
  const withdraw = useMutation({
    mutationFn: async (date: string) => {
      const r = await api.DELETE('/api/v1/calendar/days/{date}', { params: { path: { date }, query: { reason: 'Rút điều chỉnh từ bảng điều khiển' } } });
      if (!r.response.ok) unwrap(r);
    },
    onSuccess: refresh,
  });

  const days = cal.data?.days ?? [];
  const specialDays = days.filter(special);
  const computedYear = days.length > 0 && days.every((d) => d.status === 'computed');
  const months = Array.from({ length: 12 }, (_, i) => days.filter((d) => Number(d.date.slice(5, 7)) === i + 1));

  const columns: TableProps<Day>['columns'] = [
    { key: 'date', title: t('calendar.col.date'), width: 120, render: (_, d) => formatDate(d.date) },
    {
      key: 'kind',
      title: t('calendar.col.kind'),
      width: 200,
      render: (_, d) => (
        <Space size={4} wrap>
          <Tag style={{ ...KIND_STYLE[d.kind], borderColor: KIND_STYLE[d.kind].color }}>{kindLabel(d.kind)}</Tag>
          {d.override && <Pill tone="geekblue">{t('calendar.edited')}</Pill>}
        </Space>
      ),
    },
    { key: 'reason', title: t('calendar.col.reason'), render: (_, d) => (lang === 'vi' ? d.reason : d.reason_en) },
    { key: 'basis', title: t('calendar.col.basis'), width: 240, render: (_, d) => d.legal_basis ?? '—' },
    { key: 'source', title: t('calendar.col.source'), width: 280, render: (_, d) => <DaySourceCell day={d} /> },
    ...(isCoordinator
      ? [
          {
            key: 'actions',
            title: '',
            width: 150,
            render: (_: unknown, d: Day) =>
              d.override && (
                <Button size="small" onClick={() => withdraw.mutate(d.date)} aria-label={`${t('calendar.edit.remove')} ${formatDate(d.date)}`}>
                  {t('calendar.edit.remove')}
                </Button>
              ),
          },
        ]
      : []),
  ];

  return (
    <>
      <Typography.Title level={1} style={{ fontSize: 24, marginTop: 0 }}>
        {t('calendar.title')}
      </Typography.Title>
      <Card style={{ marginBottom: 16 }}>
        <Flex wrap gap={16} align="center" justify="space-between">
          <Space align="center">
            <label htmlFor="calendar-year">{t('calendar.year')}</label>
            <InputNumber id="calendar-year" min={2000} max={2100} value={year} onChange={(v) => v && setParams({ year: String(v) }, { replace: true })} />
            {cal.data && <Typography.Text data-testid="calendar-working">{t('calendar.working', { n: cal.data.working_days })}</Typography.Text>}
          </Space>
          {isCoordinator && (
            <Button type="primary" onClick={() => setEditing(true)}>
              {t('calendar.edit')}
            </Button>
          )}
        </Flex>
        <Space wrap size={4} style={{ marginTop: 12 }} aria-label={t('calendar.legend')}>
          {KINDS.map((k) => (
            <Tag key={k} style={{ ...KIND_STYLE[k], borderColor: KIND_STYLE[k].color }}>
              {kindLabel(k)}
            </Tag>
          ))}
          <Tag style={{ outline: '2px solid #1d39c4', outlineOffset: -2 }}>{t('calendar.edited')}</Tag>
          <Tag style={{ outline: '2px dashed #ad4e00', outlineOffset: -2 }}>{t('calendar.computed')}</Tag>
        </Space>
      </Card>
      {computedYear && (
        <Alert type="warning" showIcon style={{ marginBottom: 12 }} data-testid="calendar-computed-year" title={t('calendar.computed.year', { year })} />
      )}
      {withdraw.isError && <Alert type="error" showIcon style={{ marginBottom: 12 }} title={problemMessage(withdraw.error, lang, t('common.error'))} />}
      {cal.isError ? (
        <LoadError error={cal.error} retry={() => void cal.refetch()} />
      ) : cal.isPending ? (
        <Loading />
      ) : (
        <>
          <Row gutter={[12, 12]} data-testid="calendar-year">
            {months.map(
              (m, i) =>
                m.length > 0 && (
                  <Col key={i} xs={24} sm={12} lg={8} xl={6}>
                    <Month month={i + 1} days={m} kindLabel={kindLabel} />
                  </Col>
                ),
            )}
          </Row>
          <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('calendar.list')}</h2>} style={{ marginTop: 16 }}>
            <Table<Day>
              rowKey="date"
              data-testid="calendar-days"
              size="small"
              columns={columns}
              dataSource={specialDays}
              pagination={false}
              locale={{ emptyText: <EmptyState /> }}
            />
          </Card>
        </>
      )}
      <Modal
        open={editing}
        title={t('calendar.edit.title')}
        onCancel={() => setEditing(false)}
        okText={t('calendar.edit.save')}
        cancelText={t('registry.cancel')}
        confirmLoading={save.isPending}
        onOk={() => form.submit()}
        destroyOnHidden
      >
        {save.isError && <Alert type="error" showIcon style={{ marginBottom: 12 }} title={problemMessage(save.error, lang, t('common.error'))} />}
        <Form<EditForm> form={form} layout="vertical" name="calendar-edit" initialValues={{ working: false }} onFinish={(v) => save.mutate(v)}>
          <Form.Item
            name="date"
            label={t('calendar.edit.date')}
            rules={[{ required: true, message: t('registry.required', { field: t('calendar.edit.date') }) }]}
          >
            <DatePicker format={DATE_FORMAT} style={{ width: '100%' }} />
          </Form.Item>
          <Form.Item name="working" label={t('calendar.edit.working')} valuePropName="checked">
            <Switch />
          </Form.Item>
          <Form.Item
            name="reason_vi"
            label={t('calendar.edit.reason_vi')}
            rules={[{ required: true, message: t('registry.required', { field: t('calendar.edit.reason_vi') }) }]}
          >
            <Input />
          </Form.Item>
          <Form.Item
            name="reason_en"
            label={t('calendar.edit.reason_en')}
            rules={[{ required: true, message: t('registry.required', { field: t('calendar.edit.reason_en') }) }]}
          >
            <Input />
          </Form.Item>
          <Form.Item
            name="legal_basis"
            label={t('calendar.edit.basis')}
            rules={[{ required: true, message: t('registry.required', { field: t('calendar.edit.basis') }) }]}
          >
            <Input />
          </Form.Item>
          <Form.Item
            name="source_document"
            label={t('calendar.edit.source_document')}
            rules={[{ required: true, message: t('registry.required', { field: t('calendar.edit.source_document') }) }]}
          >
            <Input maxLength={200} />
          </Form.Item>
          <Form.Item
            name="source_issuer"
            label={t('calendar.edit.source_issuer')}
            rules={[{ required: true, message: t('registry.required', { field: t('calendar.edit.source_issuer') }) }]}
          >
            <Input maxLength={200} />
          </Form.Item>
          <Form.Item
            name="source_date"
            label={t('calendar.edit.source_date')}
            rules={[{ required: true, message: t('registry.required', { field: t('calendar.edit.source_date') }) }]}
          >
            <DatePicker format={DATE_FORMAT} style={{ width: '100%' }} />
          </Form.Item>
          <Form.Item name="source_url" label={t('calendar.edit.source_url')} rules={[{ type: 'url', message: t('calendar.edit.source_url.invalid') }]}>
            <Input maxLength={500} />
          </Form.Item>
          <Form.Item name="reason" label={t('calendar.edit.why')}>
            <Input.TextArea rows={2} />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}
