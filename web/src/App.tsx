import { lazy, Suspense } from 'react';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router';
import { ConfigProvider } from 'antd';
import { useSession } from './auth/session.tsx';
import { Loading } from './components/Loading.tsx';
import { NEW_DATASET_PATH } from './components/catalog/roles.ts';
import { ANTD_LOCALES, useI18n } from './i18n/index.tsx';

// Each page is its own chunk: the sign-in page does not load ECharts or the catalog's table.
const Shell = lazy(() => import('./components/Shell.tsx').then((m) => ({ default: m.Shell })));
const SignIn = lazy(() => import('./pages/SignIn.tsx'));
const Dashboard = lazy(() => import('./pages/Dashboard.tsx'));
const Catalog = lazy(() => import('./pages/Catalog.tsx'));
const CatalogDataset = lazy(() => import('./pages/CatalogDataset.tsx'));
const CatalogDictionary = lazy(() => import('./pages/CatalogDictionary.tsx'));
const CatalogDatasetNew = lazy(() => import('./pages/CatalogDatasetEdit.tsx').then((m) => ({ default: m.CatalogDatasetNew })));
const CatalogDatasetEdit = lazy(() => import('./pages/CatalogDatasetEdit.tsx').then((m) => ({ default: m.CatalogDatasetEdit })));
const DictionaryTerm = lazy(() => import('./pages/DictionaryTerm.tsx'));
const Notices = lazy(() => import('./pages/Notices.tsx'));
const Accounts = lazy(() => import('./pages/Accounts.tsx'));
const Ledger = lazy(() => import('./pages/Ledger.tsx'));
const Reports = lazy(() => import('./pages/Reports.tsx'));
const CatalogReview = lazy(() => import('./pages/CatalogReview.tsx'));
const Audits = lazy(() => import('./pages/Audits.tsx'));
const ReportsYearly = lazy(() => import('./pages/ReportsYearly.tsx'));
const Enrol = lazy(() => import('./pages/Enrol.tsx'));
const Registry = lazy(() => import('./pages/Registry.tsx'));
const RegistrySecurity = lazy(() => import('./pages/RegistrySecurity.tsx'));
const RegistryInbox = lazy(() => import('./pages/RegistryInbox.tsx'));
const RegistryCalendar = lazy(() => import('./pages/RegistryCalendar.tsx'));
const Agreements = lazy(() => import('./pages/Agreements.tsx'));
const AgreementRequest = lazy(() => import('./pages/AgreementRequest.tsx'));
const AgreementDetail = lazy(() => import('./pages/AgreementDetail.tsx'));
const Lifecycle = lazy(() => import('./pages/Lifecycle.tsx'));
const Subscriptions = lazy(() => import('./pages/Subscriptions.tsx'));
const CodeLists = lazy(() => import('./pages/CodeLists.tsx'));
const CodeListDetail = lazy(() => import('./pages/CodeLists.tsx').then((m) => ({ default: m.CodeListDetail })));
const Schedules = lazy(() => import('./pages/Schedules.tsx'));
const Warehouse = lazy(() => import('./pages/Warehouse.tsx'));
const WarehouseDashboards = lazy(() => import('./pages/WarehouseDashboards.tsx'));
const NotFound = lazy(() => import('./pages/NotFound.tsx'));

/**
 * The Party red as the primary colour; links and secondary text darkened from antd's defaults so
 * that every text meets WCAG AA contrast (4.5:1) on white and on the light grey background.
 */
const THEME = {
  token: {
    colorPrimary: '#b71c1c',
    colorLink: '#a31515',
    colorTextSecondary: 'rgba(0, 0, 0, 0.66)',
    colorTextTertiary: 'rgba(0, 0, 0, 0.62)',
    colorTextDescription: 'rgba(0, 0, 0, 0.66)',
    colorTextPlaceholder: 'rgba(0, 0, 0, 0.58)',
    borderRadius: 6,
  },
};

/** Signed-in pages: wait for the session to be restored, else go to sign-in and come back. */
function RequireSession() {
  const { session } = useSession();
  const location = useLocation();
  if (session === undefined) return <Loading />;
  if (session === null) {
    const next = location.pathname + location.search;
    return <Navigate to={next === '/' ? '/signin' : `/signin?next=${encodeURIComponent(next)}`} replace />;
  }
  return <Shell />;
}

/** The sign-in page once the session is known (a restored session goes straight in). */
function SignInRoute() {
  const { session } = useSession();
  return session === undefined ? <Loading /> : <SignIn />;
}

export function App() {
  const { lang } = useI18n();
  return (
    <ConfigProvider locale={ANTD_LOCALES[lang]} theme={THEME}>
      <BrowserRouter>
        <Suspense fallback={<Loading />}>
          <Routes>
            <Route path="/signin" element={<SignInRoute />} />
            <Route path="/notices" element={<Notices />} />
            <Route path="/enrol/:token" element={<Enrol />} />
            <Route element={<RequireSession />}>
              <Route index element={<Dashboard />} />
              <Route path="/catalog" element={<Catalog />} />
              <Route path={NEW_DATASET_PATH} element={<CatalogDatasetNew />} />
              <Route path="/catalog/:code" element={<CatalogDataset />} />
              <Route path="/catalog/:code/edit" element={<CatalogDatasetEdit />} />
              <Route path="/dictionary" element={<CatalogDictionary />} />
              <Route path="/dictionary/:name" element={<DictionaryTerm />} />
              <Route path="/accounts" element={<Accounts />} />
              <Route path="/ledger" element={<Ledger />} />
              <Route path="/reports" element={<Reports />} />
              <Route path="/catalog-review" element={<CatalogReview />} />
              <Route path="/audits" element={<Audits />} />
              <Route path="/reports/yearly" element={<ReportsYearly />} />
              <Route path="/registry" element={<Registry />} />
              <Route path="/security-events" element={<RegistrySecurity />} />
              <Route path="/inbox" element={<RegistryInbox />} />
              <Route path="/calendar" element={<RegistryCalendar />} />
              <Route path="/agreements" element={<Agreements />} />
              <Route path="/agreements/new" element={<AgreementRequest />} />
              <Route path="/agreements/:id" element={<AgreementDetail />} />
              <Route path="/lifecycle" element={<Lifecycle />} />
              <Route path="/subscriptions" element={<Subscriptions />} />
              <Route path="/code-lists" element={<CodeLists />} />
              <Route path="/code-lists/:code" element={<CodeListDetail />} />
              <Route path="/schedules" element={<Schedules />} />
              <Route path="/warehouse" element={<Warehouse />} />
              <Route path="/warehouse/dashboards" element={<WarehouseDashboards />} />
              <Route path="*" element={<NotFound />} />
            </Route>
          </Routes>
        </Suspense>
      </BrowserRouter>
    </ConfigProvider>
  );
}
