import type { ReactNode } from 'react';
import { Button, ConfigProvider, Flex, Form, Input, InputNumber, Select, Space } from 'antd';
import type { paths } from '../../api/schema.d.ts';
import { useI18n } from '../../i18n/index.tsx';
import { ERROR_THEME } from './DatasetForm.tsx';
import { FIELD_TYPES, PERSONAL, VALUE_FORMATS, useCodeListOptions } from './options.ts';
import { useLabel } from './shared.tsx';

export type Entry = paths['/api/v1/dictionary/{name}']['get']['responses'][200]['content']['application/json'];
export type EntryCreate = paths['/api/v1/dictionary']['post']['requestBody']['content']['application/json'];
export type EntryPatch = paths['/api/v1/dictionary/{name}']['patch']['requestBody']['content']['application/json'];
export type EntryValues = Omit<EntryCreate, 'max_length'> & { max_length?: number | null; status?: 'active' | 'retired' };

const FIELD_NAME = /^[a-z][a-z0-9_]{0,62}$/;
const half = { style: { flex: '1 1 240px' } };
const text = (v: string | null | undefined): string | null => (v?.trim() ? v.trim() : null);

/** The body of POST /dictionary (with `name`) or PATCH /dictionary/{name} (without): empty texts are none. */
export function entryBody(v: EntryValues): EntryCreate & { status?: 'active' | 'retired' } {
  return {
    name: v.name.trim(),
    label_vi: v.label_vi.trim(),
    label_en: v.label_en.trim(),
    description_vi: text(v.description_vi),
    description_en: text(v.description_en),
    type: v.type,
    format: v.format ?? null,
    max_length: v.max_length ?? null,
    personal: v.personal,
    code_list: v.type === 'code' ? (v.code_list ?? null) : null,
    code_list_level: v.type === 'code' ? text(v.code_list_level) : null,
    parent_field: v.type === 'code' ? text(v.parent_field) : null,
    ...(v.status && { status: v.status }),
  };
}

/**
 * The body of PATCH /dictionary/{name}: what an issued entry may change. Its type, format and code
 * list are fixed (the API refuses them even unchanged): datasets rely on them.
 */
export function entryPatch(v: EntryValues): EntryPatch {
  const { name: _n, type: _t, format: _f, code_list: _c, code_list_level: _l, parent_field: _p, ...rest } = entryBody(v);
  return rest;
}

/** A data-dictionary entry (R-18.2: the coordinator keeps the shared definitions that datasets refer to). */
export function DictionaryForm({
  initial,
  editing,
  submitting,
  error,
  onSubmit,
  onCancel,
}: {
  initial: Partial<EntryValues>;
  editing: boolean;
  submitting: boolean;
  error: ReactNode;
  onSubmit(v: EntryValues): void;
  onCancel?: () => void;
}) {
  const { t } = useI18n();
  const label = useLabel();
  const [form] = Form.useForm<EntryValues>();
  const codeLists = useCodeListOptions();
  const type = Form.useWatch('type', form);
  const required = [{ required: true, message: t('dse.required') }];
  return (
    <ConfigProvider theme={ERROR_THEME}>
      <Form
        form={form}
        name={editing ? 'term-edit' : 'term-new'}
        layout="vertical"
        initialValues={initial}
        onFinish={onSubmit}
        aria-label={t(editing ? 'dict.editTitle' : 'dict.newTitle')}
      >
        <Flex wrap gap={16}>
          <Form.Item
            name="name"
            label={t('dict.col.name')}
            extra={t('dict.nameHelp')}
            rules={[...required, { pattern: FIELD_NAME, message: t('dse.field.namePattern') }]}
            {...half}
          >
            <Input disabled={editing} maxLength={63} />
          </Form.Item>
          <Form.Item name="type" label={t('ds.f.type')} rules={required} extra={editing ? t('dict.fixed') : undefined} {...half}>
            <Select disabled={editing} options={FIELD_TYPES.map((v) => ({ value: v, label: label('ds.type', v) }))} />
          </Form.Item>
        </Flex>
        <Flex wrap gap={16}>
          <Form.Item name="label_vi" label={t('dse.field.labelVi')} rules={required} {...half}>
            <Input maxLength={200} />
          </Form.Item>
          <Form.Item name="label_en" label={t('dse.field.labelEn')} rules={required} {...half}>
            <Input maxLength={200} />
          </Form.Item>
        </Flex>
        <Flex wrap gap={16}>
          <Form.Item name="description_vi" label={t('dse.descriptionVi')} {...half}>
            <Input.TextArea rows={2} maxLength={2000} />
          </Form.Item>
          <Form.Item name="description_en" label={t('dse.descriptionEn')} {...half}>
            <Input.TextArea rows={2} maxLength={2000} />
          </Form.Item>
        </Flex>
        <Flex wrap gap={16}>
          <Form.Item name="personal" label={t('ds.f.personal')} rules={required} {...half}>
            <Select options={PERSONAL.map((v) => ({ value: v, label: label('ds.personalKind', v) }))} />
          </Form.Item>
          <Form.Item name="format" label={t('ds.f.format')} {...half}>
            <Select
              disabled={editing}
              allowClear
              placeholder={t('dse.none')}
              options={VALUE_FORMATS.map((v) => ({ value: v, label: label('dse.format', v) }))}
            />
          </Form.Item>
          <Form.Item name="max_length" label={t('dse.field.maxLength')} {...half}>
            <InputNumber min={1} max={1_000_000} style={{ width: '100%' }} />
          </Form.Item>
        </Flex>
        {type === 'code' && (
          <Flex wrap gap={16}>
            <Form.Item name="code_list" label={t('ds.f.codeList')} rules={required} {...half}>
              <Select
                disabled={editing}
                showSearch
                optionFilterProp="label"
                loading={codeLists.loading}
                options={codeLists.options}
                popupMatchSelectWidth={false}
              />
            </Form.Item>
            <Form.Item name="code_list_level" label={t('dse.field.level')} {...half}>
              <Input disabled={editing} maxLength={40} />
            </Form.Item>
            <Form.Item name="parent_field" label={t('dse.field.parent')} {...half}>
              <Input disabled={editing} maxLength={63} />
            </Form.Item>
          </Flex>
        )}
        {editing && (
          <Form.Item name="status" label={t('catalog.col.status')} style={{ maxWidth: 240 }}>
            <Select options={(['active', 'retired'] as const).map((v) => ({ value: v, label: label('dict.status', v) }))} />
          </Form.Item>
        )}
        {error && <div style={{ marginBottom: 16 }}>{error}</div>}
        <Space>
          <Button type="primary" htmlType="submit" loading={submitting}>
            {t(editing ? 'dict.save' : 'dict.create')}
          </Button>
          {onCancel && <Button onClick={onCancel}>{t('dse.cancel')}</Button>}
        </Space>
      </Form>
    </ConfigProvider>
  );
}
