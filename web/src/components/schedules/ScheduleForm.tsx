import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App as AntApp, ConfigProvider, Form, Input, Modal, Radio, Select } from 'antd';
import { api, unwrap } from '../../api/client.ts';
import type { paths } from '../../api/schema.d.ts';
import { agencyCodeOf, useSession } from '../../auth/session.tsx';
import { useI18n } from '../../i18n/index.tsx';
import { ProblemAlert } from '../accounts/ProblemAlert.tsx';
import { ERROR_THEME } from '../codelists/CreateCodeList.tsx';
import { ifMatch } from '../registry/shared.tsx';

export type Schedule = paths['/api/v1/schedules']['get']['responses'][200]['content']['application/json']['items'][number];
type CreateBody = paths['/api/v1/schedules']['post']['requestBody']['content']['application/json'];
type Direction = 'pull' | 'deliver';

interface Values {
  direction: Direction;
  dataset_code?: string;
  mode?: 'full' | 'incremental';
  agreement_id?: string;
  endpoint_url?: string;
  cron: string;
  procedure?: string;
}

/** Five fields of digits, `*`, `,`, `-` and `/` (the server checks the rest and answers a clear problem). */
const CRON_SHAPE = /^\s*\S+(\s+\S+){4}\s*$/;
const LIMIT = 200;

/** Who may create which direction: pulls are the custodian's, deliveries the consumer's (R-6.1c). */
function directionsOf(roles: readonly string[]): Direction[] {
  const coordinator = roles.includes('coordinator');
  return [
    ...(coordinator || roles.includes('custodian_admin') ? (['pull'] as const) : []),
    ...(coordinator || roles.includes('consumer_admin') ? (['deliver'] as const) : []),
  ];
}

/** The agency's hosted datasets, which a scheduled pull can fill (the coordinator sees all). */
function useHostedDatasets(enabled: boolean, custodian: string | undefined) {
  return useQuery({
    queryKey: ['schedule-form-datasets', custodian],
    enabled,
    queryFn: async () => {
      const page = unwrap(await api.GET('/api/v1/datasets', { params: { query: { limit: LIMIT, ...(custodian && { custodian }) } } }));
      return page.items.filter((d) => d.mode === 'hosted');
    },
  });
}

/** The agency's active agreements that include periodic synchronisation (R-6.1c), which a delivery runs under. */
function useSyncAgreements(enabled: boolean, consumer: string | undefined) {
  return useQuery({
    queryKey: ['schedule-form-agreements', consumer],
    enabled,
    queryFn: async () => {
      const page = unwrap(await api.GET('/api/v1/agreements', { params: { query: { limit: LIMIT, status: 'active', ...(consumer && { consumer }) } } }));
      return page.items.filter((a) => a.forms.includes('sync'));
    },
  });
}

function toBody(v: Values): CreateBody {
  const procedure = v.procedure?.trim() ? { procedure: v.procedure.trim() } : {};
  return v.direction === 'pull'
    ? { direction: 'pull', dataset_code: v.dataset_code!, mode: v.mode!, cron: v.cron.trim(), ...procedure }
    : { direction: 'deliver', agreement_id: v.agreement_id!, endpoint_url: v.endpoint_url!.trim(), cron: v.cron.trim(), ...procedure };
}

/**
 * Tạo / sửa lịch đồng bộ (R-6.1c): a new schedule (POST /api/v1/schedules), or the cron, procedure,
 * mode or endpoint of an existing one (PATCH with If-Match: a 412 if someone changed it meanwhile).
 */
export function ScheduleForm({ open, editing, onClose }: { open: boolean; editing: Schedule | null; onClose(): void }) {
  const { t } = useI18n();
  const { message } = AntApp.useApp();
  const { session } = useSession();
  const qc = useQueryClient();
  const [form] = Form.useForm<Values>();
  const user = session!.user;
  const own = user.roles.includes('coordinator') ? undefined : agencyCodeOf(user);
  const allowed = directionsOf(user.roles);
  const direction = (Form.useWatch('direction', form) ?? editing?.direction ?? allowed[0]) as Direction;
  const datasets = useHostedDatasets(open && !editing && direction === 'pull', own);
  const agreements = useSyncAgreements(open && !editing && direction === 'deliver', own);

  const save = useMutation({
    mutationFn: async (v: Values) => {
      if (!editing) return unwrap(await api.POST('/api/v1/schedules', { body: toBody(v) }));
      const body = {
        cron: v.cron.trim(),
        procedure: v.procedure?.trim() ?? '',
        ...(editing.direction === 'pull' ? { mode: v.mode! } : { endpoint_url: v.endpoint_url!.trim() }),
      };
      return unwrap(await api.PATCH('/api/v1/schedules/{id}', { params: { path: { id: editing.id }, header: ifMatch(editing.version) }, body }));
    },
    onSuccess: (s) => {
      void message.success(t(editing ? 'sched.form.saved' : 'sched.form.created', { id: s.id.slice(-8) }));
      void qc.invalidateQueries({ queryKey: ['schedules'] });
      onClose();
    },
  });

  const required = [{ required: true, whitespace: true, message: t('sched.form.required') }];
  const initial: Partial<Values> = editing
    ? {
        direction: editing.direction as Direction,
        cron: editing.cron,
        procedure: editing.procedure,
        ...(editing.mode && { mode: editing.mode as Values['mode'] }),
        ...(editing.endpoint_url && { endpoint_url: editing.endpoint_url }),
      }
    : { direction: allowed[0], mode: 'incremental', cron: '0 2 * * *' };
  const title = editing ? t('sched.form.editTitle', { id: editing.id.slice(-8) }) : t('sched.form.title');

  return (
    <Modal
      open={open}
      title={title}
      okText={editing ? t('sched.form.save') : t('sched.form.create')}
      cancelText={t('dse.cancel')}
      onCancel={onClose}
      onOk={() => form.submit()}
      confirmLoading={save.isPending}
      destroyOnHidden
      width={680}
    >
      <ConfigProvider theme={ERROR_THEME}>
        <Form
          form={form}
          name="schedule"
          layout="vertical"
          initialValues={initial}
          onValuesChange={() => save.isError && save.reset()}
          onFinish={(v) => save.mutate(v)}
          aria-label={title}
        >
          <Form.Item name="direction" label={t('sched.col.direction')}>
            <Radio.Group disabled={!!editing}>
              {allowed.map((d) => (
                <Radio key={d} value={d}>
                  {t(`sched.direction.${d}`)}
                </Radio>
              ))}
            </Radio.Group>
          </Form.Item>
          {direction === 'pull' ? (
            <>
              {editing ? (
                <Form.Item label={t('sched.col.dataset')}>
                  <code>{editing.dataset_code}</code>
                </Form.Item>
              ) : (
                <Form.Item name="dataset_code" label={t('sched.col.dataset')} extra={t('sched.form.datasetHelp')} rules={required}>
                  <Select
                    showSearch
                    optionFilterProp="label"
                    loading={datasets.isLoading}
                    notFoundContent={t('sched.form.noDataset')}
                    options={(datasets.data ?? []).map((d) => ({ value: d.code, label: `${d.code} — ${d.name_vi}` }))}
                  />
                </Form.Item>
              )}
              <Form.Item name="mode" label={t('sched.form.mode')} rules={required}>
                <Radio.Group>
                  <Radio value="incremental">{t('sched.form.mode.incremental')}</Radio>
                  <Radio value="full">{t('sched.form.mode.full')}</Radio>
                </Radio.Group>
              </Form.Item>
            </>
          ) : (
            <>
              {editing ? (
                <Form.Item label={t('sched.form.agreement')}>
                  <code>{editing.agreement_id}</code> ({editing.dataset_code} → {editing.consumer_code})
                </Form.Item>
              ) : (
                <Form.Item name="agreement_id" label={t('sched.form.agreement')} extra={t('sched.form.agreementHelp')} rules={required}>
                  <Select
                    showSearch
                    optionFilterProp="label"
                    loading={agreements.isLoading}
                    notFoundContent={t('sched.form.noAgreement')}
                    options={(agreements.data ?? []).map((a) => ({ value: a.id, label: `${a.dataset_code} → ${a.system_code} (${a.id.slice(-8)})` }))}
                  />
                </Form.Item>
              )}
              <Form.Item
                name="endpoint_url"
                label={t('sched.form.endpoint')}
                extra={t('sched.form.endpointHelp')}
                rules={[...required, { type: 'url', message: t('sched.form.endpointUrl') }]}
              >
                <Input maxLength={2000} placeholder="https://" />
              </Form.Item>
            </>
          )}
          <Form.Item
            name="cron"
            label={t('sched.col.cron')}
            extra={t('sched.form.cronHelp')}
            rules={[...required, { pattern: CRON_SHAPE, message: t('sched.form.cronShape') }]}
          >
            <Input maxLength={200} style={{ fontFamily: 'monospace' }} />
          </Form.Item>
          <Form.Item name="procedure" label={t('sched.form.procedure')} extra={t('sched.form.procedureHelp')}>
            <Input.TextArea rows={3} maxLength={4000} />
          </Form.Item>
          {save.isError && <ProblemAlert error={save.error} testId="schedule-form-error" />}
        </Form>
      </ConfigProvider>
    </Modal>
  );
}
