import { useEffect } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Checkbox, Form, Input, Modal, Select } from 'antd';
import { api, unwrap } from '../../api/client.ts';
import { type MessageKey, useI18n } from '../../i18n/index.tsx';
import { ProblemAlert } from '../accounts/ProblemAlert.tsx';
import { AGENCY_KINDS, type Agency, type AgencyKind, ifMatch, useAgencies } from './shared.tsx';

interface Values {
  code: string;
  name_vi: string;
  name_en: string;
  kind: AgencyKind;
  parent_code: string | null;
  central_office: boolean;
  status: 'active' | 'retired';
}

/**
 * Creates an agency (POST /agencies) or edits one (PATCH with If-Match): the coordinator's.
 * `agency` undefined means a new one; the API's problem (a cycle, a taken code, a stale version) shows as is.
 */
export function AgencyForm({
  open,
  agency,
  onClose,
  onSaved,
}: {
  open: boolean;
  agency?: Agency | undefined;
  onClose: () => void;
  onSaved: (code: string) => void;
}) {
  const { t, lang } = useI18n();
  const qc = useQueryClient();
  const [form] = Form.useForm<Values>();
  const agencies = useAgencies();
  const editing = !!agency;
  useEffect(() => {
    if (open)
      form.setFieldsValue(
        agency ? { ...agency, kind: agency.kind as AgencyKind, status: agency.status as Values['status'] } : { central_office: false, parent_code: null },
      );
  }, [open, agency, form]);

  const save = useMutation({
    mutationFn: async ({ code, status, ...v }: Values) => {
      const body = { ...v, parent_code: v.parent_code || null };
      if (!agency) return unwrap(await api.POST('/api/v1/agencies', { body: { code, ...body } }));
      return unwrap(
        await api.PATCH('/api/v1/agencies/{code}', { params: { path: { code: agency.code }, header: ifMatch(agency.version) }, body: { ...body, status } }),
      );
    },
    onSuccess: (saved) => {
      void qc.invalidateQueries({ queryKey: ['agencies'] });
      void qc.invalidateQueries({ queryKey: ['agency-history', saved.code] });
      form.resetFields();
      save.reset();
      onSaved(saved.code);
    },
  });
  const required = (field: MessageKey) => [{ required: true, message: t('registry.required', { field: t(field) }) }];
  const parents = (agencies.data ?? [])
    .filter((a) => a.code !== agency?.code)
    .map((a) => ({ value: a.code, label: `${a.code} — ${lang === 'vi' ? a.name_vi : a.name_en}` }));

  return (
    <Modal
      open={open}
      title={editing ? `${t('registry.agencies.edit')} ${agency.code}` : t('registry.agencies.add')}
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
      {save.isError && <ProblemAlert error={save.error} testId="agency-problem" />}
      <Form<Values> form={form} layout="vertical" name="agency" onFinish={(v) => save.mutate(v)} style={{ marginTop: 12 }}>
        {!editing && (
          <Form.Item name="code" label={t('registry.field.code')} rules={required('registry.field.code')}>
            <Input autoComplete="off" placeholder="DUMOI" />
          </Form.Item>
        )}
        <Form.Item name="name_vi" label={t('registry.field.name_vi')} rules={required('registry.field.name_vi')}>
          <Input autoComplete="off" />
        </Form.Item>
        <Form.Item name="name_en" label={t('registry.field.name_en')} rules={required('registry.field.name_en')}>
          <Input autoComplete="off" />
        </Form.Item>
        <Form.Item name="kind" label={t('registry.field.kind')} rules={required('registry.field.kind')}>
          <Select options={AGENCY_KINDS.map((k) => ({ value: k, label: t(`registry.kind.${k}` as MessageKey) }))} />
        </Form.Item>
        <Form.Item name="parent_code" label={t('registry.field.parent')}>
          <Select allowClear showSearch optionFilterProp="label" placeholder={t('registry.field.parent.none')} options={parents} loading={agencies.isPending} />
        </Form.Item>
        <Form.Item name="central_office" valuePropName="checked">
          <Checkbox>{t('registry.field.central')}</Checkbox>
        </Form.Item>
        {editing && (
          <Form.Item name="status" label={t('registry.field.status')}>
            <Select options={(['active', 'retired'] as const).map((s) => ({ value: s, label: t(`registry.status.${s}`) }))} />
          </Form.Item>
        )}
      </Form>
    </Modal>
  );
}
