import { Spin } from 'antd';
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
