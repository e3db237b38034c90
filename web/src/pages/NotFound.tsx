import { Link } from 'react-router';
import { Button, Result } from 'antd';
import { useI18n } from '../i18n/index.tsx';

export default function NotFound() {
  const { t } = useI18n();
  return <Result status="404" title={t('notfound.title')} extra={<Link to="/"><Button type="primary">{t('notfound.home')}</Button></Link>} />;
}
