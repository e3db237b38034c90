import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App as AntApp, Button, Card, ConfigProvider, DatePicker, Flex, Form, Input, Modal, Select, Table, Tag, Typography } from 'antd';
import type { TableProps } from 'antd';
import type { Dayjs } from 'dayjs';
import { api, unwrap } from '../../api/client.ts';
import type { paths } from '../../api/schema.d.ts';
import { DATE_FORMAT, useI18n } from '../../i18n/index.tsx';
import { formatDate, formatDateTime } from '../../time.ts';
import { ProblemAlert } from '../accounts/ProblemAlert.tsx';
import { EmptyState } from '../States.tsx';
import { ERROR_THEME } from './DatasetForm.tsx';
import { useAgencyOptions } from './options.ts';
import { Refusal } from './shared.tsx';

type Authorisation = paths['/api/v1/datasets/{code}/producers']['get']['responses'][200]['content']['application/json'][number];
type Grant = paths['/api/v1/datasets/{code}/producers']['post']['requestBody']['content']['application/json'];
interface GrantForm {
  agency_code: string;
  system_code?: string;
  scope_field?: string;
  /** Comma-separated: `01, 79`. */
  scope_values?: string;
  valid_until?: Dayjs | null;
}

const splitValues = (text = '') =>
  text
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);

const STATUS_COLOR: Record<string, string> = { active: 'green', expired: 'default', revoked: 'default' };
// Dark text keeps AA contrast on the coloured tags (antd's green text on green does not).
const DARK = { color: 'rgba(0, 0, 0, 0.88)' };

/**
 * R-4.1 "the level where data arises updates it": the agencies the custodian lets write this hosted
 * dataset — all of it, or the records whose field holds one of the allowed values (a province's).
 * The custodian's administrators authorise and revoke; the list keeps revoked ones.
 */
export function ProducersCard({ code, custodian, fieldNames, editable }: { code: string; custodian: string; fieldNames: string[]; editable: boolean }) {
  const { t } = useI18n();
  const { message } = AntApp.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm<GrantForm>();
  const [revoking, setRevoking] = useState<Authorisation | null>(null);
  const [reason, setReason] = useState('');
  const agencies = useAgencyOptions(editable);
  const scopeField = Form.useWatch('scope_field', form);
  const list = useQuery({
    queryKey: ['dataset-producers', code],
    retry: false,
    queryFn: async () => unwrap(await api.GET('/api/v1/datasets/{code}/producers', { params: { path: { code } } })),
  });
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: ['dataset-producers', code] });
  };
  const grant = useMutation({
    mutationFn: async (body: Grant) => unwrap(await api.POST('/api/v1/datasets/{code}/producers', { params: { path: { code } }, body })),
    onSuccess: (a) => {
      void message.success(t('prod.granted', { agency: a.producer_agency_code }));
      form.resetFields();
      refresh();
    },
  });
  const revoke = useMutation({
    mutationFn: async (v: { id: string; reason: string }) =>
      unwrap(await api.POST('/api/v1/datasets/{code}/producers/{id}/revoke', { params: { path: { code, id: v.id } }, body: { reason: v.reason } })),
    onSuccess: (a) => {
      void message.success(t('prod.revoked', { agency: a.producer_agency_code }));
      setRevoking(null);
      setReason('');
      refresh();
    },
  });
  const submit = (v: GrantForm) =>
    grant.mutate({
      agency_code: v.agency_code,
      system_code: v.system_code?.trim() || null,
      scope: v.scope_field ? { field: v.scope_field, values: splitValues(v.scope_values) } : null,
      valid_until: v.valid_until ? v.valid_until.format('YYYY-MM-DD') : null,
    });

  const columns: TableProps<Authorisation>['columns'] = [
    { key: 'agency', title: t('prod.agency'), width: 110, render: (_, a) => a.producer_agency_code },
    { key: 'system', title: t('prod.system'), width: 150, render: (_, a) => a.system_code ?? t('prod.anySystem') },
    {
      key: 'scope',
      title: t('prod.scope'),
      width: 200,
      render: (_, a) => (a.scope ? <Typography.Text code>{`${a.scope.field}: ${a.scope.values.join(', ')}`}</Typography.Text> : t('prod.whole')),
    },
    { key: 'until', title: t('prod.validUntil'), width: 120, render: (_, a) => (a.valid_until ? formatDate(a.valid_until) : t('prod.noEnd')) },
    {
      key: 'granted',
      title: t('prod.grantedBy'),
      width: 170,
      render: (_, a) => (
        <>
          {formatDateTime(a.granted_at)}
          <br />
          <Typography.Text type="secondary">{a.granted_by}</Typography.Text>
        </>
      ),
    },
    {
      key: 'status',
      title: t('prod.status'),
      width: 190,
      render: (_, a) => (
        <>
          <Tag color={STATUS_COLOR[a.status]} style={DARK}>
            {t(`prod.status.${a.status}`)}
          </Tag>
          {a.revoked_at && (
            <Typography.Paragraph type="secondary" style={{ margin: 0, fontSize: 12 }}>
              {formatDateTime(a.revoked_at)} · {a.revoked_by} · {a.revoke_reason}
            </Typography.Paragraph>
          )}
        </>
      ),
    },
    ...(editable
      ? [
          {
            key: 'actions',
            title: t('rec.actions'),
            width: 110,
            render: (_: unknown, a: Authorisation) =>
              !a.revoked_at && (
                <Button size="small" danger onClick={() => setRevoking(a)} aria-label={t('prod.revokeOf', { agency: a.producer_agency_code })}>
                  {t('prod.revoke')}
                </Button>
              ),
          },
        ]
      : []),
  ];

  return (
    <ConfigProvider theme={ERROR_THEME}>
      <Card
        title={
          <Typography.Title level={2} style={{ fontSize: 18, margin: 0 }}>
            {t('prod.title')}
          </Typography.Title>
        }
        extra={<Typography.Text type="secondary">R-4.1</Typography.Text>}
      >
        <Typography.Paragraph type="secondary">{t('prod.help')}</Typography.Paragraph>
        {list.isError ? (
          <Refusal error={list.error} type="info" retry={() => void list.refetch()} />
        ) : (
          <Table<Authorisation>
            rowKey="id"
            data-testid="ds-producers"
            size="small"
            columns={columns}
            dataSource={list.data ?? []}
            loading={list.isFetching}
            pagination={false}
            scroll={{ x: 900 }}
            locale={{ emptyText: list.isPending ? ' ' : <EmptyState text={t('prod.empty')} /> }}
          />
        )}
        {editable && (
          <Form form={form} layout="vertical" onFinish={submit} style={{ marginTop: 16, maxWidth: 900 }}>
            <Typography.Title level={3} style={{ fontSize: 16 }}>
              {t('prod.add')}
            </Typography.Title>
            <Flex gap={16} wrap>
              <Form.Item
                name="agency_code"
                label={t('prod.agency')}
                htmlFor="prod-agency"
                rules={[{ required: true, message: t('prod.agencyRequired') }]}
                style={{ flex: '1 1 280px' }}
              >
                <Select
                  id="prod-agency"
                  showSearch
                  optionFilterProp="label"
                  loading={agencies.loading}
                  options={agencies.options.filter((o) => o.value !== custodian)}
                  popupMatchSelectWidth={false}
                />
              </Form.Item>
              <Form.Item name="system_code" label={t('prod.system')} htmlFor="prod-system" extra={t('prod.systemHelp')} style={{ flex: '1 1 220px' }}>
                <Input id="prod-system" maxLength={64} />
              </Form.Item>
            </Flex>
            <Flex gap={16} wrap>
              <Form.Item name="scope_field" label={t('prod.scopeField')} htmlFor="prod-scope-field" extra={t('prod.scopeHelp')} style={{ flex: '1 1 220px' }}>
                <Select id="prod-scope-field" allowClear showSearch options={fieldNames.map((f) => ({ value: f, label: f }))} />
              </Form.Item>
              <Form.Item
                name="scope_values"
                label={t('prod.scopeValues')}
                htmlFor="prod-scope-values"
                extra={t('prod.valuesHelp')}
                rules={[{ required: !!scopeField, message: t('prod.valuesRequired') }]}
                style={{ flex: '1 1 280px' }}
              >
                <Input id="prod-scope-values" disabled={!scopeField} maxLength={5000} />
              </Form.Item>
              <Form.Item name="valid_until" label={t('prod.validUntil')} htmlFor="prod-valid-until" style={{ flex: '1 1 160px' }}>
                <DatePicker id="prod-valid-until" format={DATE_FORMAT} style={{ width: '100%' }} />
              </Form.Item>
            </Flex>
            {grant.isError && (
              <div style={{ marginBottom: 16 }}>
                <ProblemAlert error={grant.error} />
              </div>
            )}
            <Button type="primary" htmlType="submit" loading={grant.isPending}>
              {t('prod.authorise')}
            </Button>
          </Form>
        )}
        <Modal
          open={revoking !== null}
          title={revoking ? t('prod.revokeOf', { agency: revoking.producer_agency_code }) : ''}
          okText={t('prod.revoke')}
          okButtonProps={{ danger: true, disabled: reason.trim().length < 3, loading: revoke.isPending }}
          cancelText={t('dse.cancel')}
          onOk={() => revoking && revoke.mutate({ id: revoking.id, reason: reason.trim() })}
          onCancel={() => setRevoking(null)}
          destroyOnHidden
        >
          <label htmlFor="prod-revoke-reason">{t('prod.reason')}</label>
          <Input.TextArea id="prod-revoke-reason" rows={2} maxLength={2000} value={reason} onChange={(e) => setReason(e.target.value)} />
          {revoke.isError && (
            <div style={{ marginTop: 12 }}>
              <ProblemAlert error={revoke.error} />
            </div>
          )}
        </Modal>
      </Card>
    </ConfigProvider>
  );
}
