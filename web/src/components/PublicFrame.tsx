import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { Layout } from 'antd';
import { useI18n } from '../i18n/index.tsx';
import { LanguageSwitch } from './LanguageSwitch.tsx';

/** The frame of the pages that need no sign-in (sign-in, notices, enrolment). */
export function PublicFrame({ children, wide = false }: { children: ReactNode; wide?: boolean }) {
  const { t } = useI18n();
  return (
    <Layout style={{ minHeight: '100vh', background: '#f5f5f5' }}>
      <Layout.Header style={{ background: '#b71c1c', display: 'flex', alignItems: 'center', gap: 16, padding: '0 16px' }}>
        <Link to="/" style={{ color: '#fff', fontWeight: 600, fontSize: 18 }}>
          {t('app.name')}
        </Link>
        <span style={{ color: '#ffe0e0', flex: 1, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>{t('app.tagline')}</span>
        <LanguageSwitch />
      </Layout.Header>
      <Layout.Content style={{ padding: 16 }}>
        <main style={{ maxWidth: wide ? 960 : 440, margin: '24px auto' }}>{children}</main>
      </Layout.Content>
    </Layout>
  );
}
