import { useState } from 'react';
import { Link, Outlet, useLocation, useNavigate } from 'react-router';
import { App as AntApp, Button, Drawer, Grid, Layout, Menu, Space, Tag, Typography } from 'antd';
import type { MenuProps } from 'antd';
import { agencyCodeOf, useSession } from '../auth/session.tsx';
import { type MessageKey, useI18n } from '../i18n/index.tsx';
import { LanguageSwitch } from './LanguageSwitch.tsx';
import { InboxBadge } from './registry/InboxBadge.tsx';

interface NavItem {
  path: string;
  label: MessageKey;
  /** Roles that see the item; none: every signed-in official. */
  roles?: string[];
}

/** The side menu; pages added later declare the roles that see them here. */
const NAV: NavItem[] = [
  { path: '/', label: 'nav.dashboard' },
  { path: '/catalog', label: 'nav.catalog' },
  { path: '/dictionary', label: 'nav.dictionary' },
  { path: '/agreements', label: 'agr.nav', roles: ['consumer_admin', 'custodian_admin', 'approver', 'coordinator', 'auditor'] },
  { path: '/notices', label: 'nav.notices' },
  { path: '/accounts', label: 'nav.accounts', roles: ['custodian_admin', 'consumer_admin', 'coordinator'] },
  { path: '/ledger', label: 'nav.ledger', roles: ['custodian_admin', 'coordinator', 'auditor'] },
  { path: '/reports', label: 'nav.reports', roles: ['custodian_admin', 'coordinator', 'auditor'] },
  { path: '/catalog-review', label: 'nav.review', roles: ['custodian_admin', 'coordinator', 'auditor'] },
  { path: '/audits', label: 'nav.audits', roles: ['custodian_admin', 'coordinator', 'auditor'] },
  { path: '/reports/yearly', label: 'nav.yearly', roles: ['custodian_admin', 'coordinator', 'auditor'] },
  { path: '/registry', label: 'nav.registry', roles: ['coordinator', 'custodian_admin', 'consumer_admin'] },
  { path: '/security-events', label: 'nav.security', roles: ['coordinator', 'auditor'] },
  { path: '/inbox', label: 'nav.inbox' },
  { path: '/calendar', label: 'nav.calendar' },
  { path: '/schedules', label: 'nav.schedules', roles: ['custodian_admin', 'consumer_admin', 'coordinator', 'auditor'] },
  { path: '/subscriptions', label: 'nav.push', roles: ['custodian_admin', 'coordinator', 'auditor'] },
  { path: '/lifecycle', label: 'nav.lifecycle', roles: ['custodian_admin', 'consumer_admin', 'coordinator', 'auditor'] },
  { path: '/code-lists', label: 'nav.codelists' },
  { path: '/warehouse', label: 'nav.warehouse', roles: ['analyst'] },
  { path: '/warehouse/dashboards', label: 'nav.warehouseDashboards', roles: ['analyst'] },
];

function selectedKey(pathname: string): string {
  const match = NAV.filter((n) => n.path !== '/' && pathname.startsWith(n.path)).sort((a, b) => b.path.length - a.path.length)[0];
  return match?.path ?? '/';
}

/** The signed-in layout: side menu by role, header with user, agency, language and sign-out. */
export function Shell() {
  const { t } = useI18n();
  const { session, signOut } = useSession();
  const navigate = useNavigate();
  const { pathname } = useLocation();
  const screens = Grid.useBreakpoint();
  const narrow = !screens.lg;
  const [drawer, setDrawer] = useState(false);
  const user = session!.user;
  const roles = new Set(user.roles);

  const items: MenuProps['items'] = NAV.filter((n) => !n.roles || n.roles.some((r) => roles.has(r))).map((n) => ({
    key: n.path,
    label: (
      <Link to={n.path} onClick={() => setDrawer(false)}>
        {t(n.label)}
      </Link>
    ),
  }));
  const menu = <Menu mode="inline" selectedKeys={[selectedKey(pathname)]} items={items} style={{ borderInlineEnd: 0 }} />;

  // antd's App (message, notification, modal hooks for the pages) lives here, not on the sign-in page's path.
  return (
    <AntApp>
      <Layout style={{ minHeight: '100vh' }}>
        {!narrow && (
          <Layout.Sider width={232} theme="light" style={{ borderInlineEnd: '1px solid #f0f0f0' }}>
            <div style={{ padding: '16px 20px', fontWeight: 600, fontSize: 18, color: '#b71c1c' }}>{t('app.name')}</div>
            <nav aria-label={t('shell.menu')}>{menu}</nav>
          </Layout.Sider>
        )}
        <Layout>
          <Layout.Header
            style={{
              background: '#fff',
              padding: '0 16px',
              borderBottom: '1px solid #f0f0f0',
              display: 'flex',
              alignItems: 'center',
              gap: 12,
              height: 'auto',
              minHeight: 64,
              flexWrap: 'wrap',
            }}
          >
            {narrow && (
              <>
                <Button aria-label={t('shell.menu')} aria-expanded={drawer} onClick={() => setDrawer(true)}>
                  ☰
                </Button>
                <span style={{ fontWeight: 600, color: '#b71c1c' }}>{t('app.name')}</span>
              </>
            )}
            <div style={{ flex: 1 }} />
            <Space wrap size="middle" align="center">
              <span data-testid="current-user">
                <Typography.Text strong>{user.full_name}</Typography.Text> <Typography.Text type="secondary">({user.username})</Typography.Text>
              </span>
              <Tag aria-label={t('shell.agency')} data-testid="current-agency">
                {agencyCodeOf(user)}
              </Tag>
              <span>
                {user.roles.map((r) => (
                  <Tag key={r} color="red">
                    {r in ROLE_LABELS ? t(ROLE_LABELS[r]!) : r}
                  </Tag>
                ))}
              </span>
              <InboxBadge />
              <LanguageSwitch />
              <Button
                onClick={async () => {
                  await signOut();
                  navigate('/signin', { replace: true });
                }}
              >
                {t('shell.signout')}
              </Button>
            </Space>
          </Layout.Header>
          <Layout.Content style={{ padding: narrow ? 16 : 24 }}>
            <main>
              <Outlet />
            </main>
          </Layout.Content>
        </Layout>
        {narrow && (
          <Drawer placement="left" open={drawer} onClose={() => setDrawer(false)} title={t('app.name')} size={260}>
            <nav aria-label={t('shell.menu')}>{menu}</nav>
          </Drawer>
        )}
      </Layout>
    </AntApp>
  );
}

const ROLE_LABELS: Record<string, MessageKey> = {
  coordinator: 'role.coordinator',
  custodian_admin: 'role.custodian_admin',
  consumer_admin: 'role.consumer_admin',
  approver: 'role.approver',
  auditor: 'role.auditor',
};
