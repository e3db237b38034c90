import { useState } from 'react';
import { useMutation } from '@tanstack/react-query';
import { Alert, App as AntApp, Button, Card, ConfigProvider, DatePicker, Flex, Form, Input, Space, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { api, unwrap } from '../../api/client.ts';
import type { paths } from '../../api/schema.d.ts';
import { DATE_FORMAT, useI18n } from '../../i18n/index.tsx';
import { ProblemAlert } from '../accounts/ProblemAlert.tsx';
import { ERROR_THEME } from './CreateCodeList.tsx';

type Body = paths['/api/v1/code-lists/{code}/versions']['post']['requestBody']['content']['application/json'];
type Item = Body['items'][number];
type Version = paths['/api/v1/code-lists/{code}/versions']['get']['responses'][200]['content']['application/json'][number];
interface Values {
  effective_from: Dayjs;
  effective_to?: Dayjs | null;
  legal_basis: string;
  note?: string;
  items: Item[];
}

/** Beyond this many items a list is edited as a file (the import wizard), not row by row. */
const MANUAL_MAX = 300;
const text = (v: string | null | undefined) => (v?.trim() ? v.trim() : null);

/**
 * POST /api/v1/code-lists/{code}/versions (the coordinator): a version is the list's whole item set,
 * so editing starts from the latest version's items (their attributes kept as they are).
 */
export function PublishVersion({ code, latest, onPublished }: { code: string; latest: Version | undefined; onPublished(): void }) {
  const { t } = useI18n();
  const { message } = AntApp.useApp();
  const [form] = Form.useForm<Values>();
  const [tooMany, setTooMany] = useState(false);
  const load = useMutation({
    mutationFn: async () => {
      const items: Item[] = [];
      for (let offset = 0; ; offset += 200) {
        const page = unwrap(
          await api.GET('/api/v1/code-lists/{code}/items', { params: { path: { code }, query: { on: latest!.effective_from, limit: 200, offset } } }),
        );
        if (page.total > MANUAL_MAX) return null;
        items.push(...page.items);
        if (items.length >= page.total || page.items.length === 0) return items;
      }
    },
    onSuccess: (items) => {
      setTooMany(items === null);
      if (items) form.setFieldValue('items', items);
    },
  });
  const publish = useMutation({
    mutationFn: async (v: Values) => {
      const items = (form.getFieldValue('items') as Item[]).map((i) => ({
        code: i.code.trim(),
        name_vi: i.name_vi.trim(),
        name_en: text(i.name_en),
        parent_code: text(i.parent_code),
        ...(i.attributes && { attributes: i.attributes }),
      }));
      return unwrap(
        await api.POST('/api/v1/code-lists/{code}/versions', {
          params: { path: { code } },
          body: {
            effective_from: v.effective_from.format('YYYY-MM-DD'),
            effective_to: v.effective_to ? v.effective_to.format('YYYY-MM-DD') : null,
            legal_basis: v.legal_basis.trim(),
            note: text(v.note),
            items,
          },
        }),
      );
    },
    onSuccess: (v) => {
      void message.success(t('codelists.import.published', { n: v.version_no }));
      form.resetFields();
      onPublished();
    },
  });
  const required = [{ required: true, whitespace: true, message: t('codelists.required') }];
  return (
    <ConfigProvider theme={ERROR_THEME}>
      <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('codelists.manual.title')}</h2>} style={{ marginBottom: 16 }}>
        <Typography.Paragraph>{t('codelists.manual.help', { max: MANUAL_MAX })}</Typography.Paragraph>
        {latest && (
          <Space style={{ marginBottom: 12 }}>
            <Button onClick={() => load.mutate()} loading={load.isPending}>
              {t('codelists.manual.load', { n: latest.version_no })}
            </Button>
          </Space>
        )}
        {tooMany && <Alert style={{ marginBottom: 12 }} type="info" showIcon title={t('codelists.manual.tooMany', { max: MANUAL_MAX })} />}
        {load.isError && (
          <div style={{ marginBottom: 12 }}>
            <ProblemAlert error={load.error} />
          </div>
        )}
        <Form
          form={form}
          name="publish-version"
          layout="vertical"
          initialValues={{ items: [{ code: '', name_vi: '' }] }}
          onFinish={(v) => publish.mutate(v)}
          aria-label={t('codelists.manual.title')}
        >
          <Form.List name="items">
            {(rows, { add, remove }) => (
              <div data-testid="manual-items" style={{ marginBottom: 16 }}>
                {rows.map((row, i) => (
                  <Flex key={row.key} gap={8} wrap align="flex-start">
                    <Form.Item name={[row.name, 'code']} rules={required} style={{ flex: '1 1 120px', marginBottom: 8 }}>
                      <Input aria-label={t('codelists.manual.code', { n: i + 1 })} placeholder={t('codelists.col.code')} maxLength={64} />
                    </Form.Item>
                    <Form.Item name={[row.name, 'name_vi']} rules={required} style={{ flex: '3 1 220px', marginBottom: 8 }}>
                      <Input aria-label={t('codelists.manual.nameVi', { n: i + 1 })} placeholder={t('codelists.new.nameVi')} maxLength={500} />
                    </Form.Item>
                    <Form.Item name={[row.name, 'name_en']} style={{ flex: '3 1 220px', marginBottom: 8 }}>
                      <Input aria-label={t('codelists.manual.nameEn', { n: i + 1 })} placeholder={t('codelists.new.nameEn')} maxLength={500} />
                    </Form.Item>
                    <Form.Item name={[row.name, 'parent_code']} style={{ flex: '1 1 120px', marginBottom: 8 }}>
                      <Input aria-label={t('codelists.manual.parent', { n: i + 1 })} placeholder={t('codelists.col.parent')} maxLength={64} />
                    </Form.Item>
                    <Button onClick={() => remove(row.name)} disabled={rows.length <= 1} aria-label={t('codelists.manual.removeN', { n: i + 1 })}>
                      {t('codelists.manual.remove')}
                    </Button>
                  </Flex>
                ))}
                <Button onClick={() => add({ code: '', name_vi: '' })} disabled={rows.length >= MANUAL_MAX}>
                  {t('codelists.manual.add')}
                </Button>
              </div>
            )}
          </Form.List>
          <Flex wrap gap={16}>
            <Form.Item
              name="effective_from"
              label={t('codelists.import.effective')}
              rules={[{ required: true, message: t('codelists.required') }]}
              style={{ flex: '1 1 200px' }}
            >
              <DatePicker format={DATE_FORMAT} style={{ width: '100%' }} />
            </Form.Item>
            <Form.Item name="effective_to" label={t('codelists.v.to')} style={{ flex: '1 1 200px' }}>
              <DatePicker format={DATE_FORMAT} style={{ width: '100%' }} />
            </Form.Item>
            <Form.Item name="legal_basis" label={t('codelists.import.legal')} rules={required} style={{ flex: '2 1 300px' }}>
              <Input maxLength={500} />
            </Form.Item>
          </Flex>
          <Form.Item name="note" label={t('codelists.import.note')}>
            <Input maxLength={2000} />
          </Form.Item>
          {publish.isError && (
            <div style={{ marginBottom: 12 }}>
              <ProblemAlert error={publish.error} testId="publish-error" />
            </div>
          )}
          <Button type="primary" htmlType="submit" loading={publish.isPending}>
            {t('codelists.manual.publish')}
          </Button>
        </Form>
      </Card>
    </ConfigProvider>
  );
}
