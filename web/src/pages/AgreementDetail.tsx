import { useState } from 'react';
import { useParams } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App as AntApp,
  Button,
  Card,
  Checkbox,
  DatePicker,
  Descriptions,
  Flex,
  Form,
  Input,
  Modal,
  Radio,
  Space,
  Tag,
  Timeline,
  Typography,
} from 'antd';
import type { Dayjs } from 'dayjs';
import { api, unwrap } from '../api/client.ts';
import { agencyCodeOf, useSession } from '../auth/session.tsx';
import { LinkButton } from '../components/LinkButton.tsx';
import { DeadlineBasis } from '../components/lifecycle/DeadlineBasis.tsx';
import { Loading, LoadError } from '../components/States.tsx';
import { type AgreementWithEvents, ProblemAlert, StatusTag, useLabel, validity, vietnamToday } from '../components/agreements/shared.tsx';
import { DATE_FORMAT, useI18n } from '../i18n/index.tsx';
import { formatDate, formatDateTime } from '../time.ts';

type Action = 'approve' | 'approve_secret' | 'reject' | 'request_changes' | 'revoke' | 'withdraw' | 'resubmit' | 'terminate';
type Ground = 'a' | 'b' | 'c' | 'd' | 'đ';

interface ActionValues {
  granted_fields?: string[];
  valid_to?: Dayjs;
  reason?: string;
  ground?: Ground;
  evidence?: string;
}

/** One agreement: its terms, its history, and the actions the signed-in official may take now. */
export default function AgreementDetail() {
  const { id = '' } = useParams();
  const { t, lang } = useI18n();
  const label = useLabel();
  const { session } = useSession();
  const user = session!.user;
  const agency = agencyCodeOf(user);
  const roles = new Set(user.roles);
  const { message } = AntApp.useApp();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState<Action | null>(null);
  const [form] = Form.useForm<ActionValues>();
  const selectedGround = Form.useWatch('ground', form);

  const detail = useQuery({
    queryKey: ['agreement', id],
    queryFn: async () => unwrap(await api.GET('/api/v1/agreements/{id}', { params: { path: { id } } })),
  });
  const termination = useQuery({
    queryKey: ['agreement-termination', id],
    enabled: open === 'terminate',
    queryFn: async () => unwrap(await api.GET('/api/v1/agreements/{id}/termination', { params: { path: { id } } })),
  });

  const act = useMutation({
    mutationFn: async ({ action, v }: { action: Action; v: ActionValues }) => {
      const path = { path: { id } };
      const reason = v.reason?.trim() ?? '';
      switch (action) {
        case 'approve':
          return unwrap(
            await api.POST('/api/v1/agreements/{id}/approve', {
              params: path,
              body: { granted_fields: v.granted_fields, ...(v.valid_to && { valid_to: v.valid_to.format('YYYY-MM-DD') }), ...(reason && { reason }) },
            }),
          );
        case 'approve_secret':
          return unwrap(await api.POST('/api/v1/agreements/{id}/approve', { params: path, body: reason ? { reason } : {} }));
        case 'reject':
          return unwrap(await api.POST('/api/v1/agreements/{id}/reject', { params: path, body: { reason } }));
        case 'request_changes':
          return unwrap(await api.POST('/api/v1/agreements/{id}/request-changes', { params: path, body: { reason } }));
        case 'revoke':
          return unwrap(await api.POST('/api/v1/agreements/{id}/revoke', { params: path, body: { reason } }));
        case 'withdraw':
          return unwrap(await api.POST('/api/v1/agreements/{id}/withdraw', { params: path, body: { reason } }));
        case 'resubmit':
          return unwrap(await api.POST('/api/v1/agreements/{id}/resubmit', { params: path, body: {} }));
        case 'terminate':
          return unwrap(
            await api.POST('/api/v1/agreements/{id}/terminate', {
              params: path,
              body: { ground: v.ground!, reason, ...(v.evidence?.trim() && { evidence: v.evidence.trim() }) },
            }),
          );
      }
    },
    onSuccess: async () => {
      setOpen(null);
      message.success(t('agr.act.done'));
      await queryClient.invalidateQueries({ queryKey: ['agreement', id] });
      await queryClient.invalidateQueries({ queryKey: ['agreements'] });
    },
  });

  if (detail.isPending) return <Loading />;
  if (detail.isError) return <LoadError error={detail.error} retry={() => void detail.refetch()} />;
  const a: AgreementWithEvents = detail.data;

  const custodianSide = agency === a.custodian_code;
  const consumerSide = agency === a.consumer_code;
  const isCustAdmin = custodianSide && roles.has('custodian_admin');
  const isApprover = custodianSide && roles.has('approver');
  const coordinator = roles.has('coordinator');
  const actions: Action[] = [];
  if (a.status === 'submitted' && isCustAdmin) actions.push('approve', 'request_changes', 'reject');
  if (a.status === 'custodian_approved') {
    if (isApprover) actions.push('approve_secret');
    if (isApprover || isCustAdmin) actions.push('reject');
    if (isCustAdmin || coordinator) actions.push('revoke');
  }
  if (a.status === 'changes_requested' && isCustAdmin) actions.push('reject');
  if (a.status === 'changes_requested' && consumerSide && roles.has('consumer_admin')) actions.push('resubmit');
  if (['submitted', 'changes_requested', 'custodian_approved'].includes(a.status) && consumerSide && roles.has('consumer_admin')) actions.push('withdraw');
  if (['active', 'suspended'].includes(a.status) && (isCustAdmin || coordinator)) actions.push('terminate');

  const start = (action: Action) => {
    act.reset();
    form.resetFields();
    if (action === 'approve') form.setFieldsValue({ granted_fields: a.requested_fields });
    if (action === 'resubmit') {
      act.mutate({ action, v: {} });
      return;
    }
    setOpen(action);
  };

  const needsReason = open !== null && !['approve', 'approve_secret'].includes(open);
  const groundView = termination.data?.grounds.find((g) => g.ground === selectedGround);
  const fields = (list: string[] | null) => (list ?? []).map((f) => <Tag key={f}>{f}</Tag>);

  return (
    <>
      <Flex justify="space-between" align="center" wrap gap={12} style={{ marginBottom: 16 }}>
        <Typography.Title level={1} style={{ fontSize: 24, margin: 0 }}>
          {t('agr.d.title', { dataset: a.dataset_code })}
        </Typography.Title>
        <LinkButton to="/agreements">{t('common.back')}</LinkButton>
      </Flex>
      {act.isError && !open && <ProblemAlert error={act.error} onClose={() => act.reset()} />}
      <Card style={{ marginBottom: 16 }}>
        <Descriptions column={{ xs: 1, md: 2 }} bordered size="small">
          <Descriptions.Item label={t('agr.col.status')}>
            <StatusTag status={a.effective_status} />
          </Descriptions.Item>
          <Descriptions.Item label={t('agr.d.kind')}>{label('agr.kind', a.kind)}</Descriptions.Item>
          <Descriptions.Item label={t('agr.d.dataset')}>
            <Typography.Text code>{a.dataset_code}</Typography.Text>
          </Descriptions.Item>
          <Descriptions.Item label={t('agr.d.custodian')}>{a.custodian_code}</Descriptions.Item>
          <Descriptions.Item label={t('agr.d.consumer')}>{a.consumer_code}</Descriptions.Item>
          <Descriptions.Item label={t('agr.d.system')}>{a.system_code}</Descriptions.Item>
          <Descriptions.Item label={t('agr.d.purpose')}>
            <Typography.Text code>{a.purpose_code}</Typography.Text> {a.purpose_text}
          </Descriptions.Item>
          <Descriptions.Item label={t('agr.d.legal_basis')}>{a.legal_basis}</Descriptions.Item>
          <Descriptions.Item label={t('agr.d.requested')}>
            <span data-testid="requested-fields">{fields(a.requested_fields)}</span>
          </Descriptions.Item>
          <Descriptions.Item label={t('agr.d.granted')}>
            <span data-testid="granted-fields">{a.granted_fields ? fields(a.granted_fields) : '—'}</span>
          </Descriptions.Item>
          <Descriptions.Item label={t('agr.d.forms')}>{a.forms.map((f) => label('agr.form', f)).join(', ')}</Descriptions.Item>
          <Descriptions.Item label={t('agr.d.frequency')}>{a.frequency}</Descriptions.Item>
          <Descriptions.Item label={t('agr.d.validity')}>
            <span data-testid="validity">{validity(a)}</span>
          </Descriptions.Item>
          <Descriptions.Item label={t('agr.d.created')}>
            {a.created_by} · {formatDateTime(a.created_at)}
          </Descriptions.Item>
          {a.second_approval_required && (
            <Descriptions.Item label={t('agr.d.second')}>
              {a.custodian_approved_by ? `${t('agr.d.first_by')}: ${a.custodian_approved_by}` : '—'}
            </Descriptions.Item>
          )}
        </Descriptions>
      </Card>
      <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('agr.d.actions')}</h2>} style={{ marginBottom: 16 }}>
        {actions.length === 0 ? (
          <Typography.Text type="secondary">{t('agr.d.none')}</Typography.Text>
        ) : (
          <Space wrap>
            {actions.map((action) => (
              <Button
                key={action}
                type={action === 'approve' || action === 'approve_secret' ? 'primary' : 'default'}
                onClick={() => start(action)}
                loading={action === 'resubmit' && act.isPending}
              >
                {t(action === 'resubmit' ? 'agr.ev.resubmit' : `agr.act.${action}`)}
              </Button>
            ))}
          </Space>
        )}
        {actions.includes('revoke') && (
          <Typography.Paragraph type="secondary" style={{ marginTop: 12, marginBottom: 0 }}>
            R-16.1 — {t('agr.act.revoke.help')}
          </Typography.Paragraph>
        )}
      </Card>
      <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('agr.d.history')}</h2>}>
        <Timeline
          data-testid="agreement-history"
          items={a.events.map((e, i) => ({
            key: i,
            content: (
              <div>
                <Typography.Text strong>{label('agr.ev', e.action)}</Typography.Text>{' '}
                {e.from_status && (
                  <>
                    <StatusTag status={e.from_status} />→{' '}
                  </>
                )}
                <StatusTag status={e.to_status} />
                <div>
                  <Typography.Text type="secondary">
                    {formatDateTime(e.at)} · {t('agr.ev.by', { actor: e.actor_agency ? `${e.actor} (${e.actor_agency})` : e.actor })}
                  </Typography.Text>
                </div>
                {e.reason && <div>{t('agr.ev.reason', { reason: e.reason })}</div>}
                {Array.isArray(e.details.granted_fields) && (
                  <div>
                    {t('agr.d.granted')}: {(e.details.granted_fields as string[]).join(', ')}
                  </div>
                )}
                {typeof e.details.valid_to === 'string' && (
                  <div>
                    {t('agr.d.validity')}: {formatDate(e.details.valid_to)}
                  </div>
                )}
                {typeof e.details.ground === 'string' && (
                  <div>
                    {t('agr.term.ground')}: ({e.details.ground})
                  </div>
                )}
                {typeof e.details.evidence === 'string' && (
                  <div>
                    {t('agr.term.evidence')}: {e.details.evidence}
                  </div>
                )}
              </div>
            ),
          }))}
        />
      </Card>

      <Modal
        open={open !== null}
        title={open === 'terminate' ? t('agr.term.title') : open ? t(open === 'resubmit' ? 'agr.ev.resubmit' : `agr.act.${open}`) : ''}
        okText={t('agr.act.confirm')}
        cancelText={t('agr.act.cancel')}
        onCancel={() => setOpen(null)}
        confirmLoading={act.isPending}
        onOk={() => form.submit()}
        destroyOnHidden
        width={640}
      >
        {act.isError && <ProblemAlert error={act.error} />}
        {/* Initial values on the form itself: a value set before the dialog's form mounts can be lost. */}
        <Form<ActionValues>
          form={form}
          layout="vertical"
          onFinish={(v) => act.mutate({ action: open!, v })}
          preserve={false}
          initialValues={open === 'approve' ? { granted_fields: a.requested_fields } : undefined}
        >
          {open === 'approve' && (
            <>
              <Form.Item
                name="granted_fields"
                label={t('agr.act.grant_fields')}
                rules={[{ required: true, type: 'array', min: 1, message: t('agr.wiz.fields.required') }]}
              >
                <Checkbox.Group options={a.requested_fields.map((f) => ({ value: f, label: f }))} />
              </Form.Item>
              <Form.Item name="valid_to" label={t('agr.act.valid_to')} extra={validity(a)}>
                <DatePicker
                  format={DATE_FORMAT}
                  disabledDate={(d) => {
                    const s = d.format('YYYY-MM-DD');
                    return s < vietnamToday() || s < a.valid_from || s > a.valid_to;
                  }}
                />
              </Form.Item>
            </>
          )}
          {open === 'terminate' && (
            <>
              <Alert type="warning" showIcon title={`R-16.1 — ${t('agr.term.final')}`} style={{ marginBottom: 16 }} />
              {termination.isError && <LoadError error={termination.error} />}
              <Form.Item
                name="ground"
                label={t('agr.term.ground')}
                rules={[{ required: true, message: t('agr.wiz.required', { field: t('agr.term.ground').toLowerCase() }) }]}
              >
                <Radio.Group style={{ display: 'flex', flexDirection: 'column', gap: 8 }}>
                  {(termination.data?.grounds ?? []).map((g) => (
                    <Radio key={g.ground} value={g.ground} disabled={!g.eligible}>
                      ({g.ground}) {lang === 'vi' ? g.label_vi : g.label_en}
                      {!g.eligible && <Typography.Text type="secondary"> — {t('agr.term.not_eligible')}</Typography.Text>}
                      {g.rests_on && <Typography.Text type="secondary"> — {t('agr.term.rests_on', { ref: g.rests_on })}</Typography.Text>}
                      {g.eligible_from && <Typography.Text type="secondary"> — {t('agr.term.from', { date: formatDate(g.eligible_from) })}</Typography.Text>}
                      {g.remedy_status === 'not_received' && <Typography.Text type="secondary"> — {t('lifecycle.cs.not_received')}</Typography.Text>}
                      {g.remedy_status === 'remedied' && g.remedied_at && (
                        <Typography.Text type="secondary"> — {t('lifecycle.cs.remedied.at', { at: formatDateTime(g.remedied_at) })}</Typography.Text>
                      )}
                      {g.suspension && <DeadlineBasis basis={g.deadline_basis} />}
                    </Radio>
                  ))}
                </Radio.Group>
              </Form.Item>
              <Form.Item
                name="evidence"
                label={t('agr.term.evidence')}
                rules={[{ required: !!groundView?.evidence_required, whitespace: true, message: t('agr.term.evidence.required') }]}
              >
                <Input maxLength={2000} />
              </Form.Item>
            </>
          )}
          <Form.Item
            name="reason"
            label={needsReason ? t('agr.act.reason') : t('agr.act.note')}
            rules={
              needsReason
                ? [
                    { required: true, whitespace: true, message: t('agr.wiz.required', { field: t('agr.act.reason').toLowerCase() }) },
                    { min: 3, message: t('agr.wiz.min3') },
                  ]
                : []
            }
          >
            <Input.TextArea rows={3} maxLength={2000} />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}
