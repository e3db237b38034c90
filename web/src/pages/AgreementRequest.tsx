import { useEffect, useState } from 'react';
import { useNavigate } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App as AntApp, Button, Card, Checkbox, DatePicker, Flex, Form, Input, Radio, Select, Space, Steps, Tag, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { api, unwrap } from '../api/client.ts';
import type { paths } from '../api/schema.d.ts';
import { agencyCodeOf, useSession } from '../auth/session.tsx';
import { LoadError } from '../components/States.tsx';
import { FORMS, ProblemAlert, useLabel, vietnamToday } from '../components/agreements/shared.tsx';
import { SystemPicker } from '../components/agreements/SystemPicker.tsx';
import { DATE_FORMAT, useI18n } from '../i18n/index.tsx';

type Dataset = paths['/api/v1/datasets']['get']['responses'][200]['content']['application/json']['items'][number];
type Body = paths['/api/v1/agreements']['post']['requestBody']['content']['application/json'];

interface Values {
  dataset_code?: string;
  kind: 'standard' | 'art_9_2';
  requested_fields: string[];
  purpose_code?: string;
  purpose_text?: string;
  legal_basis?: string;
  forms: string[];
  frequency?: string;
  valid_from?: Dayjs;
  valid_to?: Dayjs;
  system_code?: string;
}

const STEP_FIELDS: (keyof Values)[][] = [
  ['dataset_code', 'kind'],
  ['requested_fields'],
  ['purpose_code', 'purpose_text', 'legal_basis', 'forms', 'frequency'],
  ['valid_from', 'valid_to'],
  ['system_code'],
];

/** The request wizard (POST /api/v1/agreements) for a consumer administrator. */
export default function AgreementRequest() {
  const { t, lang } = useI18n();
  const label = useLabel();
  const { session } = useSession();
  const user = session!.user;
  const agency = agencyCodeOf(user);
  const navigate = useNavigate();
  const { message } = AntApp.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<Values>();
  const [step, setStep] = useState(0);
  const [q, setQ] = useState('');
  const [picked, setPicked] = useState<Dataset | null>(null);
  const datasetCode = Form.useWatch('dataset_code', { form, preserve: true }) as string | undefined;
  const today = vietnamToday();

  const datasets = useQuery({
    queryKey: ['datasets', 'published', q],
    queryFn: async () => unwrap(await api.GET('/api/v1/datasets', { params: { query: { status: 'published', limit: 50, ...(q && { q }) } } })),
  });
  const fields = useQuery({
    queryKey: ['dataset-fields', datasetCode],
    enabled: !!datasetCode,
    queryFn: async () => unwrap(await api.GET('/api/v1/datasets/{code}/fields', { params: { path: { code: datasetCode! } } })),
  });
  const purposes = useQuery({
    queryKey: ['code-list-items', 'muc-dich-khai-thac'],
    queryFn: async () => unwrap(await api.GET('/api/v1/code-lists/{code}/items', { params: { path: { code: 'muc-dich-khai-thac' }, query: { limit: 200 } } })),
  });
  // The whole sharing specification is proposed; the consumer unticks what it does not need.
  useEffect(() => {
    if (fields.data && datasetCode && (form.getFieldValue('requested_fields') as string[] | undefined)?.length === 0) {
      form.setFieldsValue({ requested_fields: fields.data.map((f) => f.name) });
    }
  }, [fields.data, datasetCode, form]);
  const ownAgency = useQuery({
    queryKey: ['agency', agency],
    queryFn: async () => unwrap(await api.GET('/api/v1/agencies/{code}', { params: { path: { code: agency } } })),
  });
  const systems = useQuery({
    queryKey: ['systems', agency, 'active'],
    queryFn: async () => unwrap(await api.GET('/api/v1/systems', { params: { query: { agency, status: 'active', limit: 200 } } })),
  });

  const submit = useMutation({
    mutationFn: async (v: Values) => {
      const body: Body = {
        kind: v.kind,
        dataset_code: v.dataset_code!,
        system_code: v.system_code!,
        purpose_code: v.purpose_code!,
        purpose_text: v.purpose_text!.trim(),
        legal_basis: v.legal_basis!.trim(),
        requested_fields: v.requested_fields,
        forms: v.forms as Body['forms'],
        frequency: v.frequency!.trim(),
        valid_from: v.valid_from!.format('YYYY-MM-DD'),
        valid_to: v.valid_to!.format('YYYY-MM-DD'),
      };
      return unwrap(await api.POST('/api/v1/agreements', { body }));
    },
    onSuccess: async (a) => {
      message.success(t('agr.wiz.sent'));
      await queryClient.invalidateQueries({ queryKey: ['agreements'] });
      navigate(`/agreements/${a.id}`);
    },
  });

  const next = async () => {
    try {
      await form.validateFields(STEP_FIELDS[step]);
      setStep((s) => s + 1);
    } catch {
      // the form shows what is missing
    }
  };
  const send = async () => {
    try {
      await form.validateFields(STEP_FIELDS[step]);
    } catch {
      return;
    }
    submit.mutate(form.getFieldsValue(true) as Values);
  };

  const required = (field: string) => [{ required: true, message: t('agr.wiz.required', { field: field.toLowerCase() }) }];
  const min3 = { min: 3, message: t('agr.wiz.min3') };
  const stepItems = [t('agr.wiz.step.dataset'), t('agr.wiz.step.fields'), t('agr.wiz.step.purpose'), t('agr.wiz.step.validity'), t('agr.wiz.step.system')].map(
    (title) => ({ title }),
  );
  const allFieldNames = (fields.data ?? []).map((f) => f.name);
  const loadError = datasets.error ?? purposes.error ?? systems.error ?? fields.error;

  return (
    <>
      <Typography.Title level={1} style={{ fontSize: 24, marginTop: 0 }}>
        {t('agr.wiz.title')}
      </Typography.Title>
      <Card>
        <Steps current={step} items={stepItems} size="small" style={{ marginBottom: 24 }} />
        {loadError && <LoadError error={loadError} />}
        {submit.isError && <ProblemAlert error={submit.error} onClose={() => submit.reset()} />}
        <Form<Values>
          form={form}
          layout="vertical"
          aria-label={t('agr.wiz.title')}
          initialValues={{ kind: 'standard', forms: ['api'], requested_fields: [], frequency: t('agr.wiz.frequency.default') }}
          onFinish={() => void (step < STEP_FIELDS.length - 1 ? next() : send())}
          style={{ maxWidth: 760 }}
        >
          {step === 0 && (
            <>
              <Form.Item name="dataset_code" label={t('agr.wiz.dataset')} extra={t('agr.wiz.dataset.help')} rules={required(t('agr.wiz.dataset'))}>
                <Select
                  showSearch={{ filterOption: false, onSearch: (v) => setQ(v.trim()) }}
                  loading={datasets.isFetching}
                  placeholder={t('agr.wiz.dataset.help')}
                  onChange={(code: string) => {
                    const d = datasets.data?.items.find((x) => x.code === code) ?? null;
                    setPicked(d);
                    form.setFieldsValue({
                      requested_fields: [],
                      kind: d?.audience === 'central_offices' && !ownAgency.data?.central_office ? 'art_9_2' : 'standard',
                    });
                  }}
                  options={(datasets.data?.items ?? [])
                    .filter((d) => d.auth_required)
                    .map((d) => ({
                      value: d.code,
                      label: `${lang === 'vi' ? d.name_vi : d.name_en} (${d.code}) — ${d.custodian_code}`,
                    }))}
                />
              </Form.Item>
              {picked && (
                <Space wrap style={{ marginBottom: 16 }}>
                  <Tag>{picked.custodian_code}</Tag>
                  <Tag>{label('classification', picked.classification)}</Tag>
                </Space>
              )}
              {picked?.audience === 'central_offices' && <Alert type="info" showIcon title={`R-9.2 — ${t('agr.wiz.central')}`} style={{ marginBottom: 16 }} />}
              <Form.Item name="kind" label={t('agr.wiz.kind')}>
                <Radio.Group
                  options={[
                    { value: 'standard', label: t('agr.kind.standard') },
                    { value: 'art_9_2', label: t('agr.kind.art_9_2') },
                  ]}
                />
              </Form.Item>
            </>
          )}
          {step === 1 && (
            <>
              <Space style={{ marginBottom: 8 }}>
                <Button onClick={() => form.setFieldsValue({ requested_fields: allFieldNames })}>{t('agr.wiz.fields.all')}</Button>
                <Button onClick={() => form.setFieldsValue({ requested_fields: [] })}>{t('agr.wiz.fields.none')}</Button>
              </Space>
              <Form.Item
                name="requested_fields"
                label={t('agr.wiz.fields')}
                rules={[{ required: true, type: 'array', min: 1, message: t('agr.wiz.fields.required') }]}
              >
                <Checkbox.Group style={{ display: 'flex', flexDirection: 'column', gap: 6 }}>
                  {(fields.data ?? []).map((f) => (
                    <Checkbox key={f.name} value={f.name}>
                      {lang === 'vi' ? f.label_vi : f.label_en} <Typography.Text code>{f.name}</Typography.Text>
                      {f.personal !== 'none' && <Tag style={{ marginInlineStart: 6 }}>{t('agr.wiz.personal')}</Tag>}
                    </Checkbox>
                  ))}
                </Checkbox.Group>
              </Form.Item>
            </>
          )}
          {step === 2 && (
            <>
              <Form.Item name="purpose_code" label={t('agr.wiz.purpose')} rules={required(t('agr.wiz.purpose'))}>
                <Select
                  showSearch={{ optionFilterProp: 'label' }}
                  loading={purposes.isPending}
                  options={(purposes.data?.items ?? []).map((p) => ({
                    value: p.code,
                    label: `${lang === 'vi' ? p.name_vi : (p.name_en ?? p.name_vi)} (${p.code})`,
                  }))}
                />
              </Form.Item>
              <Form.Item name="purpose_text" label={t('agr.wiz.purpose_text')} rules={[...required(t('agr.wiz.purpose_text')), min3]}>
                <Input.TextArea rows={2} maxLength={2000} />
              </Form.Item>
              <Form.Item name="legal_basis" label={t('agr.wiz.legal_basis')} rules={[...required(t('agr.wiz.legal_basis')), min3]}>
                <Input maxLength={1000} />
              </Form.Item>
              <Form.Item
                name="forms"
                label={t('agr.wiz.forms')}
                rules={[{ required: true, type: 'array', min: 1, message: t('agr.wiz.required', { field: t('agr.wiz.forms').toLowerCase() }) }]}
              >
                <Checkbox.Group options={FORMS.map((f) => ({ value: f, label: label('agr.form', f) }))} />
              </Form.Item>
              <Form.Item name="frequency" label={t('agr.wiz.frequency')} rules={required(t('agr.wiz.frequency'))}>
                <Input maxLength={100} />
              </Form.Item>
            </>
          )}
          {step === 3 && (
            <Flex wrap gap={16}>
              <Form.Item
                name="valid_from"
                label={t('agr.wiz.valid_from')}
                extra={t('agr.wiz.dates.help')}
                rules={required(t('agr.wiz.valid_from'))}
                style={{ flex: '1 1 260px' }}
              >
                <DatePicker format={DATE_FORMAT} style={{ width: '100%' }} disabledDate={(d) => d.format('YYYY-MM-DD') < today} />
              </Form.Item>
              <Form.Item
                name="valid_to"
                label={t('agr.wiz.valid_to')}
                dependencies={['valid_from']}
                style={{ flex: '1 1 260px' }}
                rules={[
                  ...required(t('agr.wiz.valid_to')),
                  ({ getFieldValue }) => ({
                    validator: (_, v?: Dayjs) => {
                      const from = getFieldValue('valid_from') as Dayjs | undefined;
                      return !v || !from || !v.isBefore(from, 'day') ? Promise.resolve() : Promise.reject(new Error(t('agr.wiz.dates.order')));
                    },
                  }),
                ]}
              >
                <DatePicker format={DATE_FORMAT} style={{ width: '100%' }} disabledDate={(d) => d.format('YYYY-MM-DD') < today} />
              </Form.Item>
            </Flex>
          )}
          {step === 4 && <SystemPicker form={form} systems={systems.data?.items ?? []} loading={systems.isPending} rules={required(t('agr.wiz.system'))} />}
          <Space>
            {step > 0 && <Button onClick={() => setStep((s) => s - 1)}>{t('agr.wiz.prev')}</Button>}
            {step < STEP_FIELDS.length - 1 ? (
              <Button type="primary" htmlType="submit">
                {t('agr.wiz.next')}
              </Button>
            ) : (
              <Button type="primary" htmlType="submit" loading={submit.isPending}>
                {t('agr.wiz.submit')}
              </Button>
            )}
          </Space>
        </Form>
      </Card>
    </>
  );
}
