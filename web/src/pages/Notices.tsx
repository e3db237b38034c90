import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App as AntApp, Button, Card, Descriptions, Flex, Form, Input, Modal, Tag, Typography } from 'antd';
import { api, problemMessage, unwrap } from '../api/client.ts';
import { type ConsoleUser, agencyCodeOf, useSession } from '../auth/session.tsx';
import { PublicFrame } from '../components/PublicFrame.tsx';
import { EmptyState, LoadError, Loading } from '../components/States.tsx';
import { LinkButton } from '../components/LinkButton.tsx';
import { type MessageKey, useI18n } from '../i18n/index.tsx';
import { formatDateTime } from '../time.ts';

type Notice = { id: string; reference: string; custodian_code: string; title_vi: string; title_en: string };

/** May this official correct the notice? Its custodian's administrators, and the coordinator. */
function corrects(user: ConsoleUser | undefined, n: Notice): boolean {
  if (!user) return false;
  const roles = new Set(user.roles);
  return roles.has('coordinator') || (roles.has('custodian_admin') && agencyCodeOf(user) === n.custodian_code);
}

/**
 * a published notice never changes; a correction is a new notice, linked to it,
 * published on the board at once (POST /api/v1/notices/{id}/corrections).
 */
function CorrectButton({ notice }: { notice: Notice }) {
  const { t, lang } = useI18n();
  const { message } = AntApp.useApp();
  const qc = useQueryClient();
  const [open, setOpen] = useState(false);
  const [form] = Form.useForm<{ body_vi: string; body_en: string; reason?: string }>();
  const publish = useMutation({
    mutationFn: async (v: { body_vi: string; body_en: string; reason?: string }) =>
      unwrap(
        await api.POST('/api/v1/notices/{id}/corrections', {
          params: { path: { id: notice.id } },
          body: { body_vi: v.body_vi, body_en: v.body_en, ...(v.reason?.trim() && { reason: v.reason.trim() }) },
        }),
      ),
    onSuccess: async (c) => {
      message.success(t('notices.correct.done', { ref: c.reference }));
      setOpen(false);
      await qc.invalidateQueries({ queryKey: ['notices'] });
    },
  });
  const id = (f: string) => `correct-${f}-${notice.id}`;
  return (
    <>
      <Button
        size="small"
        onClick={() => {
          publish.reset();
          setOpen(true);
        }}
      >
        {t('notices.correct')}
      </Button>
      <Modal
        open={open}
        title={t('notices.correct.title', { ref: notice.reference })}
        onCancel={() => setOpen(false)}
        onOk={() => form.submit()}
        okText={t('notices.correct.submit')}
        cancelText={t('lifecycle.cancel')}
        confirmLoading={publish.isPending}
        destroyOnHidden
      >
        <Typography.Paragraph type="secondary">{t('notices.correct.help')}</Typography.Paragraph>
        <Form form={form} layout="vertical" onFinish={(v) => publish.mutate(v)} preserve={false}>
          <Form.Item
            name="body_vi"
            label={t('lifecycle.notice.vi')}
            htmlFor={id('vi')}
            rules={[{ required: true, whitespace: true, message: t('lifecycle.required') }]}
          >
            <Input.TextArea id={id('vi')} rows={3} maxLength={4000} />
          </Form.Item>
          <Form.Item
            name="body_en"
            label={t('lifecycle.notice.en')}
            htmlFor={id('en')}
            rules={[{ required: true, whitespace: true, message: t('lifecycle.required') }]}
          >
            <Input.TextArea id={id('en')} rows={3} maxLength={4000} />
          </Form.Item>
          <Form.Item name="reason" label={t('notices.correct.reason')} htmlFor={id('reason')}>
            <Input id={id('reason')} maxLength={2000} />
          </Form.Item>
          {publish.isError && <Alert type="error" showIcon role="alert" title={problemMessage(publish.error, lang, t('common.error'))} />}
        </Form>
      </Modal>
    </>
  );
}

/** The public notice board (GET /api/v1/notices): no sign-in, Art. 15–16 notices. */
function NoticeList() {
  const { t, lang } = useI18n();
  const { session } = useSession();
  const notices = useQuery({
    queryKey: ['notices'],
    queryFn: async () => unwrap(await api.GET('/api/v1/notices', { params: { query: { limit: 50 } } })).items,
  });
  if (notices.isPending) return <Loading />;
  if (notices.isError) return <LoadError error={notices.error} retry={() => void notices.refetch()} />;
  if (notices.data.length === 0)
    return (
      <Card>
        <EmptyState text={t('notices.empty')} />
      </Card>
    );
  const refs = new Map(notices.data.map((n) => [n.id, n.reference]));
  // Each notice's later corrections, so the original says it was corrected, and by which notice.
  const correctedBy = new Map<string, string[]>();
  for (const n of notices.data) if (n.corrects) correctedBy.set(n.corrects, [...(correctedBy.get(n.corrects) ?? []), n.reference]);
  return (
    <Flex vertical gap={16} component="ol" style={{ listStyle: 'none', padding: 0, margin: 0 }} data-testid="notice-list">
      {notices.data.map((n) => (
        <li key={n.id}>
          <Card
            title={<h2 style={{ fontSize: 16, margin: 0, whiteSpace: 'normal' }}>{lang === 'vi' ? n.title_vi : n.title_en}</h2>}
            extra={
              <Flex gap={8} align="center">
                {corrects(session?.user, n) && <CorrectButton notice={n} />}
                <Tag color={n.kind === 'correction' ? 'gold' : undefined} style={{ color: 'rgba(0, 0, 0, 0.88)' }}>
                  {t(`notices.kind.${n.kind}` as MessageKey)}
                </Tag>
              </Flex>
            }
            data-testid={`notice-${n.reference}`}
          >
            {n.corrects && (
              <Typography.Paragraph strong data-testid="notice-corrects">
                {t('notices.corrects', { ref: refs.get(n.corrects) ?? n.corrects })}
              </Typography.Paragraph>
            )}
            {correctedBy.has(n.id) && (
              <Alert
                type="warning"
                showIcon
                style={{ marginBottom: 12 }}
                data-testid="notice-corrected"
                title={t('notices.correctedBy', { refs: correctedBy.get(n.id)!.join(', ') })}
              />
            )}
            <Typography.Paragraph style={{ whiteSpace: 'pre-wrap' }}>{lang === 'vi' ? n.body_vi : n.body_en}</Typography.Paragraph>
            <Descriptions
              size="small"
              column={{ xs: 1, sm: 2, md: 4 }}
              items={[
                { key: 'ref', label: t('notices.reference'), children: n.reference },
                { key: 'custodian', label: t('notices.custodian'), children: n.custodian_code },
                ...(n.dataset_code ? [{ key: 'dataset', label: t('notices.dataset'), children: n.dataset_code }] : []),
                {
                  key: 'time',
                  label: t('notices.published', { time: '' }).trim(),
                  children: <time dateTime={n.published_at}>{formatDateTime(n.published_at)}</time>,
                },
              ]}
            />
          </Card>
        </li>
      ))}
    </Flex>
  );
}

export default function Notices() {
  const { t } = useI18n();
  const { session } = useSession();
  return (
    <PublicFrame wide>
      {/* The public frame has no shell: the correction's confirmation needs antd's App context here. */}
      <AntApp>
        <Flex justify="space-between" align="center" wrap gap={8}>
          <Typography.Title level={1} style={{ fontSize: 24, margin: 0 }}>
            {t('notices.title')}
          </Typography.Title>
          {!session && <LinkButton to="/signin">{t('notices.signin')}</LinkButton>}
          {session && <LinkButton to="/">{t('nav.dashboard')}</LinkButton>}
        </Flex>
        <Typography.Paragraph type="secondary" style={{ marginTop: 8 }}>
          {t('notices.intro')}
        </Typography.Paragraph>
        <NoticeList />
      </AntApp>
    </PublicFrame>
  );
}
