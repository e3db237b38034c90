import { useEffect } from 'react';
import { useMutation } from '@tanstack/react-query';
import { Form, Modal, Select } from 'antd';
import { api, unwrap } from '../../api/client.ts';
import { type MessageKey, useI18n } from '../../i18n/index.tsx';
import { ProblemAlert } from '../accounts/ProblemAlert.tsx';
import { ROLES, type Role, type User, ifMatch } from './shared.tsx';

/** The coordinator changes an official's roles (PATCH with If-Match; a security event records it). */
export function UserRolesModal({ user, onClose, onSaved }: { user: User | null; onClose: () => void; onSaved: () => void }) {
  const { t } = useI18n();
  const [form] = Form.useForm<{ roles: Role[] }>();
  useEffect(() => {
    if (user) form.setFieldsValue({ roles: user.roles as Role[] });
  }, [user, form]);
  const save = useMutation({
    mutationFn: async (roles: Role[]) =>
      unwrap(await api.PATCH('/api/v1/users/{username}', { params: { path: { username: user!.username }, header: ifMatch(user!.version) }, body: { roles } })),
    onSuccess: () => {
      save.reset();
      onSaved();
    },
  });
  return (
    <Modal
      open={!!user}
      title={user ? t('registry.roles.title', { name: user.username }) : ''}
      onCancel={() => {
        save.reset();
        onClose();
      }}
      okText={t('registry.save')}
      cancelText={t('registry.cancel')}
      confirmLoading={save.isPending}
      onOk={() => form.submit()}
      destroyOnHidden
    >
      {save.isError && <ProblemAlert error={save.error} testId="roles-problem" />}
      <Form form={form} layout="vertical" name="roles" onFinish={(v) => save.mutate(v.roles)} style={{ marginTop: 12 }}>
        <Form.Item
          name="roles"
          label={t('registry.col.roles')}
          rules={[{ required: true, message: t('registry.required', { field: t('registry.col.roles') }) }]}
        >
          <Select mode="multiple" options={ROLES.map((r) => ({ value: r, label: t(`role.${r}` as MessageKey) ?? r }))} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
