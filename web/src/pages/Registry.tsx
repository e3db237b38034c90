import { useSearchParams } from 'react-router';
import { Tabs, Typography } from 'antd';
import { Agencies } from '../components/registry/Agencies.tsx';
import { Systems } from '../components/registry/Systems.tsx';
import { Users } from '../components/registry/Users.tsx';
import { useI18n } from '../i18n/index.tsx';

/** The registry (src/registry/routes.ts): agencies, information systems, users; the tab is kept in the URL. */
export default function Registry() {
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const tab = params.get('tab') ?? 'agencies';
  return (
    <>
      <Typography.Title level={1} style={{ fontSize: 24, marginTop: 0 }}>
        {t('registry.title')}
      </Typography.Title>
      <Tabs
        activeKey={tab}
        onChange={(k) => setParams(k === 'agencies' ? {} : { tab: k }, { replace: true })}
        destroyOnHidden
        items={[
          { key: 'agencies', label: t('registry.tab.agencies'), children: <Agencies /> },
          { key: 'systems', label: t('registry.tab.systems'), children: <Systems /> },
          { key: 'users', label: t('registry.tab.users'), children: <Users /> },
        ]}
      />
    </>
  );
}
