import { Alert, Button, Empty } from 'antd';
export { Loading } from './Loading.tsx';
import { problemMessage } from '../api/client.ts';
import { useI18n } from '../i18n/index.tsx';

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
      action={
        retry ? (
          <Button size="small" onClick={retry}>
            {t('common.retry')}
          </Button>
        ) : undefined
      }
    />
  );
}
