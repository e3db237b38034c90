import { useEffect } from 'react';
import { Link, useParams } from 'react-router';
import { type UseQueryResult, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App as AntApp, Button, Card, Descriptions, Flex, Form, Input, InputNumber, Select, Space, Statistic, Table, Tag, Typography } from 'antd';
import type { TableProps } from 'antd';
import { api, unwrap } from '../api/client.ts';
import type { paths } from '../api/schema.d.ts';
import { LinkButton } from '../components/LinkButton.tsx';
import { EmptyState, Loading } from '../components/States.tsx';
import { HistoryCard } from '../components/catalog/HistoryCard.tsx';
import { RecordEditor, recordTemplate } from '../components/catalog/RecordEditor.tsx';
import { ProducersCard } from '../components/catalog/ProducersCard.tsx';
import { RecordsCard } from '../components/catalog/RecordsCard.tsx';
import { useCatalogRoles } from '../components/catalog/roles.ts';
import { Refusal, percent, useLabel } from '../components/catalog/shared.tsx';
import { useI18n } from '../i18n/index.tsx';
import { formatDate, formatDateTime } from '../time.ts';

type Json<P extends keyof paths, M extends 'get' | 'put'> = paths[P][M] extends { responses: { 200: { content: { 'application/json': infer T } } } }
  ? T
  : never;
type Field = Json<'/api/v1/datasets/{code}/fields', 'get'>[number];
type Agreement = Json<'/api/v1/agreements', 'get'>['items'][number];

// Tag colours that keep AA contrast (antd's gold and volcano filled tags do not).
const CLASSIFICATION_COLOR: Record<string, string> = { normal: 'default', sensitive: 'red', secret: 'red', top_secret: 'red' };

/** One dataset of the catalog: identity, sharing specification, quality, agreements, proxy service, producers, history, hosted records. */
export default function CatalogDataset() {
  const { code = '' } = useParams();
  const { t, lang } = useI18n();
  const label = useLabel();
  const roles = useCatalogRoles();

  const dataset = useQuery({
    queryKey: ['dataset', code],
    queryFn: async () => unwrap(await api.GET('/api/v1/datasets/{code}', { params: { path: { code } } })),
  });
  const d = dataset.data;
  const mayEdit = !!d && roles.administers(d.custodian_code);
  const custodianAdmin = !!d && roles.custodianOf(d.custodian_code);
  const fields = useQuery({
    queryKey: ['dataset-fields', code],
    queryFn: async () => unwrap(await api.GET('/api/v1/datasets/{code}/fields', { params: { path: { code } } })),
  });
  const fieldNames = (fields.data ?? []).map((f) => f.name);

  if (dataset.isPending) return <Loading />;
  if (dataset.isError || !d) {
    return (
      <>
        <LinkButton to="/catalog">{t('common.back')}</LinkButton>
        <div style={{ marginTop: 16 }}>
          <Refusal error={dataset.error} retry={() => void dataset.refetch()} />
        </div>
      </>
    );
  }
  const name = lang === 'vi' ? d.name_vi : d.name_en;
  const description = lang === 'vi' ? d.description_vi : d.description_en;

  return (
    <>
      <Space style={{ marginBottom: 8 }}>
        <Link to="/catalog">← {t('ds.back')}</Link>
      </Space>
      <Flex justify="space-between" align="center" wrap gap={8}>
        <Typography.Title level={1} style={{ fontSize: 24, marginTop: 0 }}>
          {name}
        </Typography.Title>
        {mayEdit && (
          <LinkButton to={`/catalog/${code}/edit`} type="primary">
            {t('dse.edit')}
          </LinkButton>
        )}
      </Flex>
      <Flex vertical gap={16}>
        <Card
          title={
            <Typography.Title level={2} style={{ fontSize: 18, margin: 0 }}>
              {t('ds.identity')}
            </Typography.Title>
          }
        >
          <Descriptions bordered size="small" column={{ xs: 1, md: 2 }} data-testid="ds-identity">
            <Descriptions.Item label={t('catalog.col.code')}>
              <Typography.Text code>{d.code}</Typography.Text>
            </Descriptions.Item>
            <Descriptions.Item label={t('ds.status')}>{label('status', d.status)}</Descriptions.Item>
            <Descriptions.Item label={t('catalog.col.custodian')}>
              {d.custodian_code}
              {d.custodian_text ? ` — ${d.custodian_text}` : ''}
            </Descriptions.Item>
            <Descriptions.Item label={t('catalog.col.classification')}>
              <Tag color={CLASSIFICATION_COLOR[d.classification]}>{label('classification', d.classification)}</Tag>
            </Descriptions.Item>
            <Descriptions.Item label={t('ds.personal')}>{d.personal_data ? t('common.yes') : t('common.no')}</Descriptions.Item>
            <Descriptions.Item label={t('ds.mode')}>{label('ds.mode', d.mode)}</Descriptions.Item>
            <Descriptions.Item label={t('ds.audience')}>{label('ds.audience', d.audience)}</Descriptions.Item>
            <Descriptions.Item label={t('ds.authRequired')}>{d.auth_required ? t('common.yes') : t('common.no')}</Descriptions.Item>
            <Descriptions.Item label={t('ds.frequency')}>{label('ds.frequency', d.sharing_spec.frequency)}</Descriptions.Item>
            <Descriptions.Item label={t('ds.format')}>{d.sharing_spec.format}</Descriptions.Item>
            <Descriptions.Item label={t('ds.legalBasis')}>{d.legal_basis ?? '—'}</Descriptions.Item>
            <Descriptions.Item label={t('ds.reviewed')}>{d.last_reviewed_on ? formatDate(d.last_reviewed_on) : '—'}</Descriptions.Item>
            {description && (
              <Descriptions.Item label={t('ds.description')} span={2}>
                {description}
              </Descriptions.Item>
            )}
          </Descriptions>
        </Card>
        <FieldsCard fields={fields} />
        <QualityCard code={code} />
        <AgreementsCard code={code} />
        {d.mode === 'proxy' && <ServiceCard code={code} editable={custodianAdmin} />}
        {d.mode === 'hosted' && (custodianAdmin || roles.coordinator) && (
          <ProducersCard code={code} custodian={d.custodian_code} fieldNames={fieldNames} editable={custodianAdmin} />
        )}
        {d.mode === 'hosted' && custodianAdmin ? <RecordsCard code={code} fieldNames={fieldNames} /> : <ValidateCard code={code} fieldNames={fieldNames} />}
        <HistoryCard
          title={t('ds.history')}
          testId="ds-history"
          queryKey={['dataset-history', code]}
          load={async () => unwrap(await api.GET('/api/v1/datasets/{code}/history', { params: { path: { code } } }))}
        />
      </Flex>
    </>
  );
}

function SectionTitle({ children }: { children: string }) {
  return (
    <Typography.Title level={2} style={{ fontSize: 18, margin: 0 }}>
      {children}
    </Typography.Title>
  );
}

function FieldsCard({ fields }: { fields: UseQueryResult<Field[]> }) {
  const { t, lang } = useI18n();
  const label = useLabel();
  const columns: TableProps<Field>['columns'] = [
    { key: 'name', title: t('ds.f.name'), width: 200, render: (_, f) => <Typography.Text code>{f.name}</Typography.Text> },
    { key: 'label', title: t('ds.f.label'), width: 230, render: (_, f) => (lang === 'vi' ? f.label_vi : f.label_en) },
    { key: 'type', title: t('ds.f.type'), width: 110, render: (_, f) => label('ds.type', f.type) },
    {
      key: 'format',
      title: t('ds.f.format'),
      width: 150,
      render: (_, f) =>
        [f.format, f.max_length ? `≤ ${f.max_length}` : null, f.mask ? `${t('ds.f.mask')}: ${f.mask}` : null].filter(Boolean).join(' · ') || '—',
    },
    {
      key: 'code_list',
      title: t('ds.f.codeList'),
      width: 150,
      render: (_, f) =>
        f.code_list ? (
          <Link to={`/code-lists/${f.code_list}`}>
            {f.code_list}
            {f.code_list_level ? ` (${f.code_list_level})` : ''}
          </Link>
        ) : (
          '—'
        ),
    },
    {
      key: 'personal',
      title: t('ds.f.personal'),
      width: 120,
      render: (_, f) => <Tag color={f.personal === 'sensitive' ? 'red' : 'default'}>{label('ds.personalKind', f.personal)}</Tag>,
    },
    { key: 'required', title: t('ds.f.required'), width: 90, render: (_, f) => (f.required ? t('common.yes') : t('common.no')) },
    {
      key: 'source',
      title: t('ds.f.source'),
      width: 150,
      render: (_, f) =>
        f.dictionary ? <Link to={`/dictionary?q=${encodeURIComponent(f.dictionary)}`}>{t('ds.f.fromDictionary')}</Link> : label('ds.source', f.source),
    },
  ];
  return (
    <Card title={<SectionTitle>{t('ds.fields')}</SectionTitle>}>
      {fields.isError ? (
        <Refusal error={fields.error} retry={() => void fields.refetch()} />
      ) : (
        <Table<Field>
          rowKey="name"
          data-testid="ds-fields"
          size="small"
          columns={columns}
          dataSource={fields.data ?? []}
          loading={fields.isFetching}
          pagination={false}
          scroll={{ x: 1200 }}
          locale={{ emptyText: fields.isPending ? ' ' : <EmptyState /> }}
        />
      )}
    </Card>
  );
}

function QualityCard({ code }: { code: string }) {
  const { t, lang } = useI18n();
  const q = useQuery({
    queryKey: ['dataset-quality', code],
    retry: false,
    queryFn: async () => unwrap(await api.GET('/api/v1/datasets/{code}/quality', { params: { path: { code } } })),
  });
  const data = q.data;
  const hours = (s: number | null) => (s === null ? '—' : t('ds.q.hours', { n: Math.round(s / 360) / 10 }));
  return (
    <Card title={<SectionTitle>{t('ds.quality')}</SectionTitle>} extra={<Typography.Text type="secondary">R-4.7</Typography.Text>}>
      {q.isPending ? (
        <Loading />
      ) : q.isError || !data ? (
        <Refusal error={q.error} type="info" retry={() => void q.refetch()} />
      ) : (
        <div data-testid="ds-quality">
          <Flex wrap gap={32}>
            <Statistic title={t('ds.q.completeness')} value={percent(data.completeness.ratio, lang)} />
            <Statistic title={t('ds.q.required')} value={percent(data.completeness.required_ratio, lang)} />
            <Statistic title={t('ds.q.validity')} value={percent(data.validity.ratio, lang)} />
            <Statistic title={t('ds.q.freshness')} value={data.freshness.fresh === null ? '—' : data.freshness.fresh ? t('ds.q.fresh') : t('ds.q.stale')} />
            <Statistic title={t('ds.q.live')} value={data.records.live} />
            <Statistic title={t('ds.q.deleted')} value={data.records.deleted} />
          </Flex>
          <Descriptions size="small" column={{ xs: 1, md: 2 }} style={{ marginTop: 16 }}>
            <Descriptions.Item label={t('ds.q.checked')}>
              {t('ds.q.invalidOf', { invalid: data.validity.invalid_records, checked: data.validity.checked })}
            </Descriptions.Item>
            <Descriptions.Item label={t('ds.q.lastWrite')}>
              {data.freshness.last_write_at ? formatDateTime(data.freshness.last_write_at) : '—'}
            </Descriptions.Item>
            <Descriptions.Item label={t('ds.q.age')}>{hours(data.freshness.age_seconds)}</Descriptions.Item>
            <Descriptions.Item label={t('ds.q.expected')}>{hours(data.freshness.expected_interval_seconds)}</Descriptions.Item>
            <Descriptions.Item label={t('ds.q.computed')}>{formatDateTime(data.computed_at)}</Descriptions.Item>
          </Descriptions>
        </div>
      )}
    </Card>
  );
}

function AgreementsCard({ code }: { code: string }) {
  const { t } = useI18n();
  const label = useLabel();
  const list = useQuery({
    queryKey: ['dataset-agreements', code],
    retry: false,
    queryFn: async () => unwrap(await api.GET('/api/v1/agreements', { params: { query: { dataset: code, limit: 50 } } })),
  });
  const columns: TableProps<Agreement>['columns'] = [
    { key: 'id', title: t('ds.a.id'), width: 130, render: (_, a) => <Link to={`/agreements/${a.id}`}>{a.id.slice(0, 8)}</Link> },
    { key: 'consumer', title: t('ds.a.consumer'), render: (_, a) => `${a.consumer_code} / ${a.system_code}` },
    { key: 'status', title: t('ds.a.status'), width: 170, render: (_, a) => label('ds.agrStatus', a.effective_status) },
    { key: 'valid', title: t('ds.a.valid'), width: 220, render: (_, a) => `${formatDate(a.valid_from)} – ${formatDate(a.valid_to)}` },
  ];
  return (
    <Card title={<SectionTitle>{t('ds.agreements')}</SectionTitle>}>
      {list.isError ? (
        <Refusal error={list.error} type="info" retry={() => void list.refetch()} />
      ) : (
        <Table<Agreement>
          rowKey="id"
          data-testid="ds-agreements"
          size="small"
          columns={columns}
          dataSource={list.data?.items ?? []}
          loading={list.isFetching}
          pagination={false}
          locale={{ emptyText: list.isPending ? ' ' : <EmptyState text={t('ds.a.empty')} /> }}
        />
      )}
    </Card>
  );
}

function ServiceCard({ code, editable }: { code: string; editable: boolean }) {
  const { t } = useI18n();
  const { message } = AntApp.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm<{ base_url: string; auth: 'none' | 'platform_jwt'; timeout_ms?: number; reason?: string }>();
  const service = useQuery({
    queryKey: ['dataset-service', code],
    retry: false,
    queryFn: async () => unwrap(await api.GET('/api/v1/datasets/{code}/service', { params: { path: { code } } })),
  });
  useEffect(() => {
    if (service.data)
      form.setFieldsValue({ base_url: service.data.base_url, auth: service.data.auth as 'none' | 'platform_jwt', timeout_ms: service.data.timeout_ms });
  }, [service.data, form]);
  const save = useMutation({
    mutationFn: async (body: { base_url: string; auth: 'none' | 'platform_jwt'; timeout_ms?: number; reason?: string }) =>
      unwrap(await api.PUT('/api/v1/datasets/{code}/service', { params: { path: { code } }, body })),
    onSuccess: () => {
      void message.success(t('ds.s.saved'));
      void qc.invalidateQueries({ queryKey: ['dataset-service', code] });
      void qc.invalidateQueries({ queryKey: ['dataset-history', code] });
    },
  });
  const notFound = service.isError && (service.error as { status?: number }).status === 404;
  return (
    <Card title={<SectionTitle>{t('ds.service')}</SectionTitle>}>
      {service.isPending ? (
        <Loading />
      ) : service.isError && !notFound ? (
        <Refusal error={service.error} retry={() => void service.refetch()} />
      ) : (
        <>
          {service.data ? (
            <Descriptions size="small" column={{ xs: 1, md: 2 }} data-testid="ds-service" style={{ marginBottom: 16 }}>
              <Descriptions.Item label={t('ds.s.baseUrl')}>{service.data.base_url}</Descriptions.Item>
              <Descriptions.Item label={t('ds.s.auth')}>
                {t(service.data.auth === 'platform_jwt' ? 'ds.s.auth.platform_jwt' : 'ds.s.auth.none')}
              </Descriptions.Item>
              <Descriptions.Item label={t('ds.s.timeout')}>{service.data.timeout_ms} ms</Descriptions.Item>
              <Descriptions.Item label={t('ds.s.updated')}>
                {formatDateTime(service.data.updated_at)} (v{service.data.version})
              </Descriptions.Item>
            </Descriptions>
          ) : (
            <EmptyState text={t('ds.s.none')} />
          )}
          {editable && (
            <Form
              form={form}
              layout="vertical"
              onFinish={(v) =>
                save.mutate({
                  base_url: v.base_url,
                  auth: v.auth,
                  ...(typeof v.timeout_ms === 'number' && { timeout_ms: v.timeout_ms }),
                  ...(v.reason?.trim() && { reason: v.reason.trim() }),
                })
              }
              style={{ maxWidth: 640 }}
            >
              <Form.Item
                name="base_url"
                label={t('ds.s.baseUrl')}
                htmlFor="svc-base-url"
                rules={[{ required: true, type: 'url', message: t('ds.s.urlInvalid') }]}
              >
                <Input id="svc-base-url" placeholder="https://" />
              </Form.Item>
              <Flex gap={16} wrap>
                <Form.Item name="auth" label={t('ds.s.auth')} htmlFor="svc-auth" initialValue="platform_jwt" style={{ flex: '1 1 200px' }}>
                  <Select
                    id="svc-auth"
                    options={[
                      { value: 'platform_jwt', label: t('ds.s.auth.platform_jwt') },
                      { value: 'none', label: t('ds.s.auth.none') },
                    ]}
                  />
                </Form.Item>
                <Form.Item name="timeout_ms" label={t('ds.s.timeout')} htmlFor="svc-timeout" style={{ flex: '1 1 160px' }}>
                  <InputNumber id="svc-timeout" min={100} max={60000} step={500} style={{ width: '100%' }} />
                </Form.Item>
              </Flex>
              <Form.Item name="reason" label={t('ds.s.reason')} htmlFor="svc-reason">
                <Input id="svc-reason" />
              </Form.Item>
              {save.isError && (
                <div style={{ marginBottom: 16 }}>
                  <Refusal error={save.error} />
                </div>
              )}
              <Button type="primary" htmlType="submit" loading={save.isPending}>
                {t('ds.s.save')}
              </Button>
            </Form>
          )}
        </>
      )}
    </Card>
  );
}

/** Anyone may check a record against the dataset's fields and code lists before sending it (nothing is stored). */
function ValidateCard({ code, fieldNames }: { code: string; fieldNames: string[] }) {
  const { t } = useI18n();
  return (
    <Card title={<SectionTitle>{t('rec.checkTitle')}</SectionTitle>}>
      {fieldNames.length === 0 ? (
        <Loading />
      ) : (
        <RecordEditor code={code} canWrite={false} initial={{ data: recordTemplate(fieldNames.map((name) => ({ name }))) }} />
      )}
    </Card>
  );
}
