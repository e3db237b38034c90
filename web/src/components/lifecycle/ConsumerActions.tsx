import { useState } from 'react';
import { useMutation } from '@tanstack/react-query';
import { Alert, App as AntApp, Button, Form, Input, Modal, Space, Typography } from 'antd';
import { api, problemMessage, unwrap } from '../../api/client.ts';
import type { paths } from '../../api/schema.d.ts';
import { useI18n } from '../../i18n/index.tsx';

export type ConsumerSuspension = paths['/api/v1/consumer-suspensions']['get']['responses'][200]['content']['application/json']['items'][number];
type Mode = 'restore' | 'remedied';

/**
 * restoring a suspended consumer is its own action (the custodian's); R-16.1(đ): the
 * consumer — or the custodian on its behalf — records the violation remedied, with its evidence,
 * which closes ground (đ) while the connection stays suspended until restored.
 */
export function ConsumerActions({ s, canRestore, canRemedy, onDone }: { s: ConsumerSuspension; canRestore: boolean; canRemedy: boolean; onDone(): void }) {
  const { t, lang } = useI18n();
  const { message } = AntApp.useApp();
  const [mode, setMode] = useState<Mode | null>(null);
  const [form] = Form.useForm<{ text: string }>();
  const act = useMutation({
    mutationFn: async ({ m, text }: { m: Mode; text: string }) =>
      m === 'restore'
        ? unwrap(await api.POST('/api/v1/consumer-suspensions/{id}/restore', { params: { path: { id: s.id } }, body: { reason: text } }))
        : unwrap(await api.POST('/api/v1/consumer-suspensions/{id}/remedied', { params: { path: { id: s.id } }, body: { evidence: text } })),
    onSuccess: (_, v) => {
      message.success(v.m === 'restore' ? t('lifecycle.cs.restored.done') : t('lifecycle.saved'));
      setMode(null);
      onDone();
    },
  });
  if (s.restored_at) return null;
  const remedy = canRemedy && !s.remedied_at;
  if (!canRestore && !remedy) return null;
  const id = `cs-${mode}-${s.id}`;
  return (
    <>
      <Space wrap>
        {canRestore && (
          <Button
            size="small"
            onClick={() => {
              act.reset();
              setMode('restore');
            }}
          >
            {t('lifecycle.cs.restore')}
          </Button>
        )}
        {remedy && (
          <Button
            size="small"
            onClick={() => {
              act.reset();
              setMode('remedied');
            }}
          >
            {t('lifecycle.cs.remedied')}
          </Button>
        )}
      </Space>
      <Modal
        open={mode !== null}
        title={mode === 'restore' ? `${t('lifecycle.cs.restore')} — ${s.reference}` : `${t('lifecycle.cs.remedied.title')} — ${s.reference}`}
        onCancel={() => setMode(null)}
        onOk={() => form.submit()}
        okText={t('lifecycle.confirm')}
        cancelText={t('lifecycle.cancel')}
        confirmLoading={act.isPending}
        destroyOnHidden
      >
        {mode === 'remedied' && <Typography.Paragraph type="secondary">R-16.1(đ) — {t('lifecycle.cs.remedied.help')}</Typography.Paragraph>}
        <Form form={form} layout="vertical" onFinish={(v) => act.mutate({ m: mode!, text: v.text.trim() })} preserve={false}>
          <Form.Item
            name="text"
            label={mode === 'restore' ? t('lifecycle.reason') : t('lifecycle.cs.evidence')}
            htmlFor={id}
            rules={[{ required: true, whitespace: true, message: t('lifecycle.required') }]}
          >
            <Input.TextArea id={id} rows={2} maxLength={2000} />
          </Form.Item>
          {act.isError && <Alert type="error" showIcon role="alert" title={problemMessage(act.error, lang, t('common.error'))} />}
        </Form>
      </Modal>
    </>
  );
}
