import { useEffect } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { App as AntApp, ConfigProvider, Form, Modal, Typography } from 'antd';
import { api, unwrap } from '../../api/client.ts';
import type { paths } from '../../api/schema.d.ts';
import { useI18n } from '../../i18n/index.tsx';
import { ProblemAlert } from '../accounts/ProblemAlert.tsx';
import { CodeListFields, ERROR_THEME } from './CreateCodeList.tsx';

type CodeList = paths['/api/v1/code-lists/{code}']['get']['responses'][200]['content']['application/json'];
type Patch = paths['/api/v1/code-lists/{code}']['patch']['requestBody']['content']['application/json'];
type Values = Required<Omit<Patch, 'source_note'>> & { source_note?: string | null };

const FIELDS = ['name_vi', 'name_en', 'issuer', 'legal_basis', 'source_note'] as const;

/** Only what changed goes to the API, so the list's history names exactly those fields. */
function changes(list: CodeList, v: Values): Patch {
  const next = { ...v, source_note: v.source_note?.trim() || null };
  return Object.fromEntries(FIELDS.filter((k) => (next[k] ?? null) !== (list[k] ?? null)).map((k) => [k, next[k]]));
}

/**
 * PATCH /api/v1/code-lists/{code} with If-Match (the coordinator, R-18.2): the list's names, issuer, legal basis and
 * source. The code and the items are not edited here: items change only by a new version.
 */
export function EditCodeList({ list, open, onClose }: { list: CodeList; open: boolean; onClose(): void }) {
  const { t } = useI18n();
  const { message } = AntApp.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm<Values>();
  useEffect(() => {
    if (open) form.setFieldsValue(list);
  }, [open, list, form]);
  const save = useMutation({
    mutationFn: async (patch: Patch) =>
      unwrap(await api.PATCH('/api/v1/code-lists/{code}', { params: { path: { code: list.code }, header: { 'if-match': `"${list.version}"` } }, body: patch })),
    onSuccess: (saved) => {
      void message.success(t('codelists.edit.saved', { code: saved.code }));
      for (const key of [['code-list', saved.code], ['code-lists'], ['code-list-history', saved.code]]) void qc.invalidateQueries({ queryKey: key });
      save.reset();
      onClose();
    },
  });
  const submit = (v: Values) => {
    const patch = changes(list, v);
    if (Object.keys(patch).length === 0) onClose();
    else save.mutate(patch);
  };
  return (
    <Modal
      open={open}
      title={t('codelists.edit.title', { code: list.code })}
      okText={t('codelists.edit.submit')}
      cancelText={t('dse.cancel')}
      onCancel={() => {
        save.reset();
        onClose();
      }}
      onOk={() => form.submit()}
      confirmLoading={save.isPending}
      destroyOnHidden
      width={640}
    >
      <Typography.Paragraph type="secondary">{t('codelists.edit.help')}</Typography.Paragraph>
      <ConfigProvider theme={ERROR_THEME}>
        <Form form={form} name="code-list-edit" layout="vertical" onFinish={submit} aria-label={t('codelists.edit.title', { code: list.code })}>
          <CodeListFields />
          {save.isError && <ProblemAlert error={save.error} testId="code-list-edit-error" />}
        </Form>
      </ConfigProvider>
    </Modal>
  );
}
