import { Result } from 'antd';
import { LinkButton } from '../components/LinkButton.tsx';
import { useI18n } from '../i18n/index.tsx';

export default function NotFound() {
  const { t } = useI18n();
  return (
    <Result
      status="404"
      title={t('notfound.title')}
      extra={
        <LinkButton to="/" type="primary">
          {t('notfound.home')}
        </LinkButton>
      }
    />
  );
}
