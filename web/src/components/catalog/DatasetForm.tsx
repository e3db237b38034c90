import { Button, Card, ConfigProvider, DatePicker, Flex, Form, Input, Select, Space, Switch, Typography } from 'antd';
import type { ReactNode } from 'react';
import { DATE_FORMAT, useI18n } from '../../i18n/index.tsx';
import { FieldsEditor } from './FieldsEditor.tsx';
import { AUDIENCES, CLASSIFICATIONS, FREQUENCIES, MODES, STATUSES, useAgencyOptions, useDomainOptions } from './options.ts';
import type { DatasetValues, FieldRow } from './datasetValues.ts';
import { useLabel } from './shared.tsx';

/** Validation messages in a red dark enough for WCAG AA (antd's default error red is 3.3:1 on white). */
export const ERROR_THEME = { token: { colorError: '#c0262d' } };
const DATASET_CODE = /^[a-z0-9][a-z0-9-]{1,63}$/;
const half = { style: { flex: '1 1 280px' } };

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Card
      title={
        <Typography.Title level={2} style={{ fontSize: 18, margin: 0 }}>
          {title}
        </Typography.Title>
      }
    >
      {children}
    </Card>
  );
}

/**
 * A dataset's catalog entry and sharing specification, to create or to edit. `custodians`:
 * the agencies the user may name as custodian (the coordinator any, a custodian its own only).
 */
export function DatasetForm({
  initial,
  editing,
  custodians,
  submitting,
  error,
  onSubmit,
  onCancel,
}: {
  initial: Partial<DatasetValues>;
  editing: boolean;
  custodians: 'any' | string[];
  submitting: boolean;
  error: ReactNode;
  onSubmit(v: DatasetValues): void;
  onCancel(): void;
}) {
  const { t } = useI18n();
  const label = useLabel();
  const [form] = Form.useForm<DatasetValues>();
  const domains = useDomainOptions();
  const agencies = useAgencyOptions(custodians === 'any');
  const custodianOptions = custodians === 'any' ? agencies.options : custodians.map((c) => ({ value: c, label: c }));
  const fields = (Form.useWatch('fields', form) ?? []) as FieldRow[];
  const required = [{ required: true, message: t('dse.required') }];
  const opts = (prefix: string, values: readonly string[]) => values.map((v) => ({ value: v, label: label(prefix, v) }));
  return (
    <ConfigProvider theme={ERROR_THEME}>
      <Form
        form={form}
        name="dataset"
        layout="vertical"
        initialValues={initial}
        onFinish={onSubmit}
        scrollToFirstError
        aria-label={t(editing ? 'dse.editTitle' : 'dse.newTitle')}
      >
        <Flex vertical gap={16}>
          <Section title={t('ds.identity')}>
            <Flex wrap gap={16}>
              <Form.Item
                name="code"
                label={t('catalog.col.code')}
                extra={t('dse.codeHelp')}
                {...half}
                rules={[...required, { pattern: DATASET_CODE, message: t('dse.codePattern') }]}
              >
                <Input disabled={editing} maxLength={64} />
              </Form.Item>
              <Form.Item name="domain_code" label={t('catalog.domain')} rules={required} {...half}>
                <Select showSearch optionFilterProp="label" loading={domains.loading} options={domains.options} popupMatchSelectWidth={false} />
              </Form.Item>
            </Flex>
            <Flex wrap gap={16}>
              <Form.Item name="name_vi" label={t('dse.nameVi')} rules={required} {...half}>
                <Input maxLength={500} />
              </Form.Item>
              <Form.Item name="name_en" label={t('dse.nameEn')} rules={required} {...half}>
                <Input maxLength={500} />
              </Form.Item>
            </Flex>
            <Flex wrap gap={16}>
              <Form.Item name="description_vi" label={t('dse.descriptionVi')} {...half}>
                <Input.TextArea rows={2} maxLength={5000} />
              </Form.Item>
              <Form.Item name="description_en" label={t('dse.descriptionEn')} {...half}>
                <Input.TextArea rows={2} maxLength={5000} />
              </Form.Item>
            </Flex>
            <Flex wrap gap={16}>
              <Form.Item name="custodian_code" label={t('catalog.col.custodian')} rules={required} {...half}>
                <Select
                  showSearch
                  optionFilterProp="label"
                  loading={agencies.loading}
                  options={custodianOptions}
                  disabled={custodianOptions.length <= 1}
                  popupMatchSelectWidth={false}
                />
              </Form.Item>
              <Form.Item name="custodian_text" label={t('dse.custodianText')} {...half}>
                <Input maxLength={500} />
              </Form.Item>
            </Flex>
            <Flex wrap gap={16}>
              <Form.Item name="legal_basis" label={t('ds.legalBasis')} {...half}>
                <Input maxLength={500} />
              </Form.Item>
              <Form.Item name="last_reviewed_on" label={t('ds.reviewed')} {...half}>
                <DatePicker format={DATE_FORMAT} style={{ width: '100%' }} />
              </Form.Item>
            </Flex>
          </Section>
          <Section title={t('dse.access')}>
            <Flex wrap gap={16}>
              <Form.Item name="classification" label={t('catalog.col.classification')} rules={required} {...half}>
                <Select options={opts('classification', CLASSIFICATIONS)} />
              </Form.Item>
              <Form.Item name="audience" label={t('ds.audience')} {...half}>
                <Select options={opts('ds.audience', AUDIENCES)} />
              </Form.Item>
            </Flex>
            <Flex wrap gap={16}>
              <Form.Item name="mode" label={t('ds.mode')} {...half}>
                <Select options={opts('ds.mode', MODES)} />
              </Form.Item>
              <Form.Item name="status" label={t('ds.status')} {...half}>
                <Select options={opts('status', STATUSES)} />
              </Form.Item>
            </Flex>
            <Flex wrap gap={16}>
              <Form.Item name="personal_data" label={t('ds.personal')} valuePropName="checked" {...half}>
                <Switch />
              </Form.Item>
              <Form.Item name="auth_required" label={t('ds.authRequired')} valuePropName="checked" extra={t('dse.openHelp')} {...half}>
                <Switch />
              </Form.Item>
            </Flex>
          </Section>
          <Section title={t('dse.spec')}>
            <Flex wrap gap={16}>
              <Form.Item name="frequency" label={t('ds.frequency')} rules={required} {...half}>
                <Select options={opts('ds.frequency', FREQUENCIES)} />
              </Form.Item>
              <Form.Item name="format" label={t('ds.format')} rules={required} {...half}>
                <Input maxLength={100} />
              </Form.Item>
            </Flex>
            <Flex wrap gap={16}>
              <Form.Item name="effective_date_field" label={t('dse.effectiveField')} extra={t('dse.effectiveHelp')} {...half}>
                <Select allowClear placeholder={t('dse.none')} options={fields.filter((f) => f?.name).map((f) => ({ value: f.name, label: f.name }))} />
              </Form.Item>
              <Form.Item name="log_content" label={t('dse.logContent')} valuePropName="checked" extra={t('dse.logContentHelp')} {...half}>
                <Switch />
              </Form.Item>
            </Flex>
            <FieldsEditor />
          </Section>
          {error}
          <Space>
            <Button type="primary" htmlType="submit" loading={submitting}>
              {t(editing ? 'dse.save' : 'dse.create')}
            </Button>
            <Button onClick={onCancel}>{t('dse.cancel')}</Button>
          </Space>
        </Flex>
      </Form>
    </ConfigProvider>
  );
}
