import { Typography } from 'antd';
import { useI18n } from '../i18n/index.tsx';
import { FiguresPanel } from '../components/reports/Figures.tsx';
import { FindingsPanel } from '../components/reports/Findings.tsx';

/** Reports and oversight: figures counted from the sharing logs, and compliance findings. */
export default function Reports() {
  const { t } = useI18n();
  return (
    <>
      <Typography.Title level={1} style={{ fontSize: 24, marginTop: 0 }}>
        {t('rep.title')}
      </Typography.Title>
      <Typography.Paragraph>{t('rep.intro')}</Typography.Paragraph>
      <FiguresPanel />
      <FindingsPanel />
    </>
  );
}
