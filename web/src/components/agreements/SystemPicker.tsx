import { Alert, Form, Select } from 'antd';
import type { FormInstance } from 'antd';
import type { paths } from '../../api/schema.d.ts';
import { useI18n } from '../../i18n/index.tsx';

type System = paths['/api/v1/systems']['get']['responses'][200]['content']['application/json']['items'][number];

/**
 * The wizard's last step: the consumer system, labelled with the security level in effect, not the
 * declared one. A declared level waiting for the coordinator's decision is marked, and a chosen system the API
 * would refuse says why before the request is sent.
 */
export function SystemPicker({ form, systems, loading, rules }: { form: FormInstance; systems: System[]; loading: boolean; rules: object[] }) {
  const { t, lang } = useI18n();
  const code = Form.useWatch('system_code', { form, preserve: true }) as string | undefined;
  const chosen = systems.find((s) => s.code === code);
  const level = (s: System) =>
    s.effective_security_level === null ? t('agr.wiz.system.noLevel') : t('agr.wiz.system.level', { n: s.effective_security_level });
  const pending = (s: System) => (s.security_level_pending ? `; ${t('agr.wiz.system.pending', { n: s.security_level })}` : '');
  const refusal = chosen?.sharing_refusal;
  return (
    <>
      <Form.Item name="system_code" label={t('agr.wiz.system')} extra={t('agr.wiz.system.help')} rules={rules}>
        <Select
          loading={loading}
          options={systems.map((s) => ({
            value: s.code,
            label: `${s.code} — ${lang === 'vi' ? s.name_vi : s.name_en} (${level(s)}${pending(s)}, ${s.zone})`,
          }))}
        />
      </Form.Item>
      {chosen?.security_level_pending && (
        <Alert
          type="warning"
          showIcon
          data-testid="system-level-pending"
          style={{ marginBottom: 16 }}
          title={`R-13.3 — ${t('agr.wiz.system.pendingTitle', { n: chosen.security_level })}`}
          description={
            refusal ? (lang === 'vi' ? refusal.reason : refusal.reason_en) : t('agr.wiz.system.pendingCapped', { n: chosen.effective_security_level ?? '' })
          }
        />
      )}
      {refusal && !chosen?.security_level_pending && (
        <Alert
          type="warning"
          showIcon
          data-testid="system-refusal"
          style={{ marginBottom: 16 }}
          title={`${refusal.rule} — ${lang === 'vi' ? refusal.reason : refusal.reason_en}`}
        />
      )}
    </>
  );
}
