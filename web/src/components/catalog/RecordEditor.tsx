import { useState } from 'react';
import { useMutation } from '@tanstack/react-query';
import { Alert, Button, ConfigProvider, DatePicker, Flex, Form, Input, Space, Table } from 'antd';
import type { Dayjs } from 'dayjs';
import { api, unwrap } from '../../api/client.ts';
import type { paths } from '../../api/schema.d.ts';
import { DATE_FORMAT, useI18n } from '../../i18n/index.tsx';
import { ProblemAlert } from '../accounts/ProblemAlert.tsx';
import { ERROR_THEME } from './DatasetForm.tsx';

type Validation = paths['/api/v1/datasets/{code}/validate']['post']['responses'][200]['content']['application/json'];
type Violation = Validation['violations'][number];
interface Values {
  key?: string;
  data: string;
  on?: Dayjs | null;
}
const RECORD_KEY = /^[A-Za-z0-9._:-]{1,200}$/;

/** A record's JSON, or undefined when it is not a JSON object. */
function parse(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A JSON skeleton of a record: every field of the specification, empty. */
export function recordTemplate(fields: { name: string }[]): string {
  return JSON.stringify(Object.fromEntries(fields.map((f) => [f.name, null])), null, 2);
}

/**
 * A record checked against the dataset's fields and code lists (POST …/validate, R-4.7: nothing
 * stored) and, for the custodian of a hosted dataset (`canWrite`), written (POST …/records).
 */
export function RecordEditor({
  code,
  canWrite,
  initial,
  onSaved,
}: {
  code: string;
  canWrite: boolean;
  initial: { key?: string; data: string };
  onSaved?: (key: string) => void;
}) {
  const { t, lang } = useI18n();
  const [form] = Form.useForm<Values>();
  const [result, setResult] = useState<Validation | null>(null);
  const check = useMutation({
    mutationFn: async (v: Values) =>
      unwrap(
        await api.POST('/api/v1/datasets/{code}/validate', {
          params: { path: { code } },
          body: { record: parse(v.data), ...(v.on && { on: v.on.format('YYYY-MM-DD') }) },
        }),
      ),
    onSuccess: setResult,
  });
  const save = useMutation({
    mutationFn: async (v: Values) =>
      unwrap(
        await api.POST('/api/v1/datasets/{code}/records', { params: { path: { code } }, body: { records: [{ key: v.key!.trim(), data: parse(v.data)! }] } }),
      ),
    onSuccess: (_r, v) => onSaved?.(v.key!.trim()),
  });
  const columns = [
    { key: 'path', title: t('rec.v.path'), width: 160, render: (_: unknown, v: Violation) => <code>{v.path}</code> },
    { key: 'rule', title: t('rec.v.rule'), width: 120, dataIndex: 'rule' },
    { key: 'message', title: t('rec.v.message'), render: (_: unknown, v: Violation) => (lang === 'vi' ? v.message : v.message_en) },
  ];
  const submit = async (action: 'check' | 'save') => {
    const v = await form.validateFields(action === 'check' ? ['data', 'on'] : undefined).catch(() => null);
    if (!v) return;
    if (action === 'check') check.mutate(form.getFieldsValue(true) as Values);
    else save.mutate(form.getFieldsValue(true) as Values);
  };
  return (
    <ConfigProvider theme={ERROR_THEME}>
      <Form form={form} name={`record-${canWrite ? 'write' : 'check'}`} layout="vertical" initialValues={initial} onValuesChange={() => setResult(null)}>
        {canWrite && (
          <Form.Item
            name="key"
            label={t('ds.r.key')}
            rules={[
              { required: true, message: t('dse.required') },
              { pattern: RECORD_KEY, message: t('rec.keyPattern') },
            ]}
          >
            <Input disabled={initial.key !== undefined} maxLength={200} />
          </Form.Item>
        )}
        <Form.Item
          name="data"
          label={t('rec.data')}
          extra={t('rec.dataHelp')}
          rules={[
            {
              validator: async (_r, text: string) => {
                if (!parse(text ?? '')) throw new Error(t('rec.notJson'));
              },
            },
          ]}
        >
          <Input.TextArea rows={12} spellCheck={false} style={{ fontFamily: 'monospace', fontSize: 13 }} />
        </Form.Item>
        <Form.Item name="on" label={t('rec.on')} extra={t('rec.onHelp')} style={{ maxWidth: 260 }}>
          <DatePicker format={DATE_FORMAT} style={{ width: '100%' }} />
        </Form.Item>
        <Flex vertical gap={12}>
          {check.isError && <ProblemAlert error={check.error} />}
          {save.isError && <ProblemAlert error={save.error} testId="record-error" />}
          {result &&
            (result.invalid === 0 ? (
              <Alert type="success" showIcon data-testid="record-valid" title={t('rec.valid')} />
            ) : (
              <Table<Violation>
                rowKey={(v) => `${v.path}-${v.rule}`}
                data-testid="record-violations"
                size="small"
                pagination={false}
                columns={columns}
                dataSource={result.violations}
              />
            ))}
          <Space>
            <Button onClick={() => void submit('check')} loading={check.isPending}>
              {t('rec.check')}
            </Button>
            {canWrite && (
              <Button type="primary" onClick={() => void submit('save')} loading={save.isPending}>
                {t('rec.save')}
              </Button>
            )}
          </Space>
        </Flex>
      </Form>
    </ConfigProvider>
  );
}
