import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Button, Card, DatePicker, Form, Input, Select } from 'antd';
import type { Dayjs } from 'dayjs';
import { api, unwrap } from '../../api/client.ts';
import { DATE_FORMAT, type MessageKey, useI18n } from '../../i18n/index.tsx';
import { ProblemAlert } from '../accounts/ProblemAlert.tsx';
import { type System, ifMatch } from './shared.tsx';

interface Values {
  security_level: number;
  decision_number: string;
  decided_on: Dayjs;
  issuer: string;
  document_reference: string;
}

/**
 * the coordinator (or an approver of the Central Party Office) records the decision that
 * approves a system's security level; until then the declared level does not count.
 */
export function SecurityDecisionForm({ system }: { system: System }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const [form] = Form.useForm<Values>();
  const record = useMutation({
    mutationFn: async ({ decided_on, ...v }: Values) =>
      unwrap(
        await api.POST('/api/v1/systems/{code}/security-level-decisions', {
          params: { path: { code: system.code }, header: ifMatch(system.version) },
          body: { ...v, decided_on: decided_on.format('YYYY-MM-DD') },
        }),
      ),
    onSuccess: (saved) => {
      form.resetFields();
      void qc.invalidateQueries({ queryKey: ['systems'] });
      void qc.invalidateQueries({ queryKey: ['system', saved.code] });
    },
  });
  const required = (field: MessageKey) => [{ required: true, message: t('registry.required', { field: t(field) }) }];
  return (
    <Card size="small" title={<h3 style={{ fontSize: 15, margin: 0 }}>{t('registry.decision.record')}</h3>} style={{ marginTop: 16 }}>
      {record.isError && <ProblemAlert error={record.error} testId="decision-problem" />}
      <Form<Values> form={form} layout="vertical" name="decision" initialValues={{ security_level: system.security_level }} onFinish={(v) => record.mutate(v)}>
        <Form.Item name="security_level" label={t('registry.decision.level')} rules={required('registry.decision.level')}>
          <Select options={[1, 2, 3, 4, 5].map((n) => ({ value: n, label: t('registry.level', { n }) }))} />
        </Form.Item>
        <Form.Item name="decision_number" label={t('registry.decision.number')} rules={required('registry.decision.number')}>
          <Input autoComplete="off" placeholder="123/QĐ-VPTW" />
        </Form.Item>
        <Form.Item name="decided_on" label={t('registry.decision.date')} rules={required('registry.decision.date')}>
          <DatePicker format={DATE_FORMAT} style={{ width: '100%' }} />
        </Form.Item>
        <Form.Item name="issuer" label={t('registry.decision.issuer')} rules={required('registry.decision.issuer')}>
          <Input autoComplete="off" />
        </Form.Item>
        <Form.Item name="document_reference" label={t('registry.decision.document')} rules={required('registry.decision.document')}>
          <Input autoComplete="off" />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={record.isPending}>
          {t('registry.decision.record')}
        </Button>
      </Form>
    </Card>
  );
}
