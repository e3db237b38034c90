import { useEffect } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Form, Input, Modal, Select } from 'antd';
import { api, unwrap } from '../../api/client.ts';
import { type MessageKey, useI18n } from '../../i18n/index.tsx';
import { ProblemAlert } from '../accounts/ProblemAlert.tsx';
import { type System, ifMatch, useAgencies, useRegistryRights } from './shared.tsx';

type Zone = 'internet' | 'tslcd';
type Status = 'active' | 'suspended' | 'retired';
interface Values {
  code: string;
  agency_code: string;
  name_vi: string;
  name_en: string;
  security_level: number;
  zone: Zone;
  base_url?: string;
  encryption_key?: string;
  status: Status;
}

/** The JWK typed in the form, or null when left empty (the API checks it is a public key, R-11). */
function parseKey(text: string | undefined): { kty: string } | null {
  if (!text?.trim()) return null;
  return JSON.parse(text) as { kty: string };
}

/**
 * Registers a system (POST /systems) or edits one (PATCH with If-Match). The level here is the
 * declared one: it counts once the coordinator approves it by a decision.
 */
export function SystemForm({
  open,
  system,
  onClose,
  onSaved,
}: {
  open: boolean;
  system?: System | undefined;
  onClose: () => void;
  onSaved: (code: string) => void;
}) {
  const { t, lang } = useI18n();
  const qc = useQueryClient();
  const [form] = Form.useForm<Values>();
  const agencies = useAgencies();
  const rights = useRegistryRights();
  const editing = !!system;
  useEffect(() => {
    if (!open) return;
    if (system) {
      form.setFieldsValue({
        ...system,
        zone: system.zone as Zone,
        status: system.status as Status,
        base_url: system.base_url ?? '',
        encryption_key: system.encryption_key ? JSON.stringify(system.encryption_key, null, 2) : '',
      });
    } else {
      form.setFieldsValue({ agency_code: rights.agency, zone: 'internet', security_level: 3 });
    }
  }, [open, system, form, rights.agency]);

  const save = useMutation({
    mutationFn: async ({ code, status, base_url, encryption_key, ...v }: Values) => {
      const body = { ...v, base_url: base_url?.trim() || null, encryption_key: parseKey(encryption_key) };
      if (!system) return unwrap(await api.POST('/api/v1/systems', { body: { code, ...body } }));
      return unwrap(
        await api.PATCH('/api/v1/systems/{code}', {
          params: { path: { code: system.code }, header: ifMatch(system.version) },
          body: { ...body, ...(status !== system.status && { status }) },
        }),
      );
    },
    onSuccess: (saved) => {
      void qc.invalidateQueries({ queryKey: ['systems'] });
      void qc.invalidateQueries({ queryKey: ['system', saved.code] });
      form.resetFields();
      save.reset();
      onSaved(saved.code);
    },
  });
  const required = (field: MessageKey) => [{ required: true, message: t('registry.required', { field: t(field) }) }];
  const agencyOptions = (agencies.data ?? [])
    .filter((a) => rights.coordinator || a.code === rights.agency)
    .map((a) => ({ value: a.code, label: `${a.code} — ${lang === 'vi' ? a.name_vi : a.name_en}` }));
  const jsonRule = {
    validator: async (_: unknown, v: string | undefined) => {
      try {
        const key = parseKey(v);
        if (key !== null && (typeof key !== 'object' || Array.isArray(key))) throw new Error();
      } catch {
        throw new Error(t('registry.field.key.invalid'));
      }
    },
  };

  return (
    <Modal
      open={open}
      title={editing ? `${t('registry.systems.edit')} ${system.code}` : t('registry.systems.add')}
      onCancel={() => {
        save.reset();
        onClose();
      }}
      okText={t('registry.save')}
      cancelText={t('registry.cancel')}
      confirmLoading={save.isPending}
      onOk={() => form.submit()}
      destroyOnHidden
      width={640}
    >
      {save.isError && <ProblemAlert error={save.error} testId="system-problem" />}
      <Form<Values> form={form} layout="vertical" name="system" onFinish={(v) => save.mutate(v)} style={{ marginTop: 12 }}>
        {!editing && (
          <Form.Item name="code" label={t('registry.field.code')} rules={required('registry.field.code')}>
            <Input autoComplete="off" placeholder="VPCP-QLVB" />
          </Form.Item>
        )}
        <Form.Item name="agency_code" label={t('registry.col.agency')} rules={required('registry.col.agency')}>
          <Select showSearch optionFilterProp="label" options={agencyOptions} loading={agencies.isPending} />
        </Form.Item>
        <Form.Item name="name_vi" label={t('registry.field.name_vi')} rules={required('registry.field.name_vi')}>
          <Input autoComplete="off" />
        </Form.Item>
        <Form.Item name="name_en" label={t('registry.field.name_en')} rules={required('registry.field.name_en')}>
          <Input autoComplete="off" />
        </Form.Item>
        <Form.Item name="security_level" label={t('registry.field.level')} rules={required('registry.field.level')} extra={t('registry.level.note')}>
          <Select options={[1, 2, 3, 4, 5].map((n) => ({ value: n, label: t('registry.level', { n }) }))} />
        </Form.Item>
        <Form.Item name="zone" label={t('registry.field.zone')} rules={required('registry.field.zone')}>
          <Select options={(['internet', 'tslcd'] as const).map((z) => ({ value: z, label: t(`registry.zone.${z}`) }))} />
        </Form.Item>
        <Form.Item name="base_url" label={t('registry.field.base_url')} rules={[{ type: 'url', message: t('registry.field.base_url') }]}>
          <Input autoComplete="off" placeholder="https://" />
        </Form.Item>
        <Form.Item name="encryption_key" label={t('registry.field.key')} extra={t('registry.field.key.help')} rules={[jsonRule]}>
          <Input.TextArea rows={4} spellCheck={false} style={{ fontFamily: 'monospace' }} />
        </Form.Item>
        {editing && (
          <Form.Item name="status" label={t('registry.field.status')}>
            <Select options={(['active', 'suspended', 'retired'] as const).map((s) => ({ value: s, label: t(`registry.status.${s}`) }))} />
          </Form.Item>
        )}
      </Form>
    </Modal>
  );
}
