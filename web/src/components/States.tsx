import { Alert, Button, Empty, Spin } from 'antd';
import { problemMessage } from '../api/client.ts';
import { useI18n } from '../i18n/index.tsx';

/** The loading state of a page or a block: a spinner with its words for screen readers. */
export function Loading() {
  const { t } = useI18n();
  return (
    <div role="status" aria-live="polite" style={{ padding: 48, textAlign: 'center' }}>
      <Spin description={t('common.loading')} />
    </div>
  );
}

export function EmptyState({ text }: { text?: string }) {
  const { t } = useI18n();
  return <Empty description={text ?? t('common.empty')} />;
}

export function LoadError({ error, retry }: { error: unknown; retry?: () => void }) {
  const { t, lang } = useI18n();
  return (
    <Alert
      type="error"
      showIcon
      title={t('common.error')}
      description={problemMessage(error, lang, '')}
      action={retry ? <Button size="small" onClick={retry}>{t('common.retry')}</Button> : undefined}
    />
  );
}
