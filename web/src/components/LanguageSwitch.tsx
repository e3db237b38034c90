import { Segmented } from 'antd';
import { type Lang, useI18n } from '../i18n/index.tsx';

/** Tiếng Việt / English; the choice is remembered in localStorage. */
export function LanguageSwitch() {
  const { lang, setLang, t } = useI18n();
  return (
    <Segmented<Lang>
      aria-label={t('lang.label')}
      size="small"
      value={lang}
      onChange={setLang}
      options={[
        { value: 'vi', label: <span lang="vi">{t('lang.vi')}</span> },
        { value: 'en', label: <span lang="en">{t('lang.en')}</span> },
      ]}
    />
  );
}
