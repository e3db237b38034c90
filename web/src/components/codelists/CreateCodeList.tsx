import { useMutation, useQueryClient } from '@tanstack/react-query';
import { App as AntApp, ConfigProvider, Form, Input, Modal } from 'antd';
import { useNavigate } from 'react-router';
import { api, unwrap } from '../../api/client.ts';
import type { paths } from '../../api/schema.d.ts';
import { useI18n } from '../../i18n/index.tsx';
import { ProblemAlert } from '../accounts/ProblemAlert.tsx';

type Body = paths['/api/v1/code-lists']['post']['requestBody']['content']['application/json'];
const LIST_CODE = /^[a-z0-9][a-z0-9-]{1,63}$/;
/** Validation messages in a red dark enough for WCAG AA (antd's default error red is 3.3:1 on white). */
export const ERROR_THEME = { token: { colorError: '#c0262d' } };

/** The list's own details, shared by the create and edit forms (the code is set once, at creation). */
export function CodeListFields() {
  const { t } = useI18n();
  const required = [{ required: true, whitespace: true, message: t('codelists.required') }];
  return (
    <>
      <Form.Item name="name_vi" label={t('codelists.new.nameVi')} rules={required}>
        <Input maxLength={300} />
      </Form.Item>
      <Form.Item name="name_en" label={t('codelists.new.nameEn')} rules={required}>
        <Input maxLength={300} />
      </Form.Item>
      <Form.Item name="issuer" label={t('codelists.col.issuer')} rules={required}>
        <Input maxLength={300} />
      </Form.Item>
      <Form.Item name="legal_basis" label={t('codelists.import.legal')} rules={required}>
        <Input maxLength={500} />
      </Form.Item>
      <Form.Item name="source_note" label={t('codelists.source')}>
        <Input.TextArea rows={2} maxLength={2000} />
      </Form.Item>
    </>
  );
}

/** POST /api/v1/code-lists (the coordinator, R-18.2): the list itself; its items come with its first version. */
export function CreateCodeList({ open, onClose }: { open: boolean; onClose(): void }) {
  const { t } = useI18n();
  const { message } = AntApp.useApp();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const [form] = Form.useForm<Body>();
  const create = useMutation({
    mutationFn: async (v: Body) =>
      unwrap(await api.POST('/api/v1/code-lists', { body: { ...v, code: v.code.trim(), source_note: v.source_note?.trim() || null } })),
    onSuccess: (l) => {
      void message.success(t('codelists.new.created', { code: l.code }));
      void qc.invalidateQueries({ queryKey: ['code-lists'] });
      onClose();
      void navigate(`/code-lists/${l.code}`);
    },
  });
  const required = [{ required: true, whitespace: true, message: t('codelists.required') }];
  return (
    <Modal
      open={open}
      title={t('codelists.new.title')}
      okText={t('codelists.new.submit')}
      cancelText={t('dse.cancel')}
      onCancel={onClose}
      onOk={() => form.submit()}
      confirmLoading={create.isPending}
      destroyOnHidden
      width={640}
    >
      <ConfigProvider theme={ERROR_THEME}>
        <Form form={form} name="code-list-new" layout="vertical" onFinish={(v) => create.mutate(v)} aria-label={t('codelists.new.title')}>
          <Form.Item
            name="code"
            label={t('codelists.col.code')}
            extra={t('codelists.new.codeHelp')}
            rules={[...required, { pattern: LIST_CODE, message: t('dse.codePattern') }]}
          >
            <Input maxLength={64} />
          </Form.Item>
          <CodeListFields />
          {create.isError && <ProblemAlert error={create.error} testId="code-list-error" />}
        </Form>
      </ConfigProvider>
    </Modal>
  );
}
