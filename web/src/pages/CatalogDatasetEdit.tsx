import { Link, useNavigate, useParams } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App as AntApp, Space, Typography } from 'antd';
import { api, unwrap } from '../api/client.ts';
import { ProblemAlert } from '../components/accounts/ProblemAlert.tsx';
import { Loading } from '../components/States.tsx';
import { DatasetForm } from '../components/catalog/DatasetForm.tsx';
import { type DatasetValues, NEW_DATASET, fromDataset, toBody, toPatch } from '../components/catalog/datasetValues.ts';
import { useCatalogRoles } from '../components/catalog/roles.ts';
import { Refusal } from '../components/catalog/shared.tsx';
import { useI18n } from '../i18n/index.tsx';

/** POST /api/v1/datasets: a custodian (or the coordinator) publishes a dataset's entry and sharing specification. */
export function CatalogDatasetNew() {
  const { t } = useI18n();
  const { message } = AntApp.useApp();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const roles = useCatalogRoles();
  const create = useMutation({
    mutationFn: async (v: DatasetValues) => unwrap(await api.POST('/api/v1/datasets', { body: toBody(v) })),
    onSuccess: (d) => {
      void message.success(t('dse.created', { code: d.code }));
      void qc.invalidateQueries({ queryKey: ['datasets'] });
      void navigate(`/catalog/${d.code}`);
    },
  });
  if (!roles.mayCreateDataset) return <Alert type="info" showIcon title={t('dse.notAllowed')} />;
  return (
    <>
      <Link to="/catalog">← {t('ds.back')}</Link>
      <Typography.Title level={1} style={{ fontSize: 24 }}>
        {t('dse.newTitle')}
      </Typography.Title>
      <DatasetForm
        initial={{ ...NEW_DATASET, ...(!roles.coordinator && { custodian_code: roles.agency }) }}
        editing={false}
        custodians={roles.coordinator ? 'any' : [roles.agency]}
        submitting={create.isPending}
        error={create.isError && <ProblemAlert error={create.error} testId="dataset-error" />}
        onSubmit={(v) => create.mutate(v)}
        onCancel={() => void navigate('/catalog')}
      />
    </>
  );
}

/** PATCH /api/v1/datasets/{code} with If-Match: the edit is refused (412) if someone changed the dataset since it was loaded. */
export function CatalogDatasetEdit() {
  const { code = '' } = useParams();
  const { t, lang } = useI18n();
  const { message } = AntApp.useApp();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const roles = useCatalogRoles();
  const dataset = useQuery({
    queryKey: ['dataset', code],
    queryFn: async () => unwrap(await api.GET('/api/v1/datasets/{code}', { params: { path: { code } } })),
  });
  const save = useMutation({
    mutationFn: async (v: DatasetValues) =>
      unwrap(
        await api.PATCH('/api/v1/datasets/{code}', { params: { path: { code }, header: { 'if-match': `"${dataset.data!.version}"` } }, body: toPatch(v) }),
      ),
    onSuccess: (d) => {
      void message.success(t('dse.saved'));
      qc.setQueryData(['dataset', code], d);
      for (const key of [['datasets'], ['dataset-fields', code], ['dataset-history', code]]) void qc.invalidateQueries({ queryKey: key });
      void navigate(`/catalog/${code}`);
    },
  });
  if (dataset.isPending) return <Loading />;
  if (dataset.isError) return <Refusal error={dataset.error} retry={() => void dataset.refetch()} />;
  const d = dataset.data;
  return (
    <>
      <Link to={`/catalog/${code}`}>← {t('dse.backToDataset')}</Link>
      <Space align="baseline" wrap>
        <Typography.Title level={1} style={{ fontSize: 24 }}>
          {t('dse.editTitle')}: {lang === 'vi' ? d.name_vi : d.name_en}
        </Typography.Title>
        <Typography.Text type="secondary">v{d.version}</Typography.Text>
      </Space>
      <DatasetForm
        key={d.version}
        initial={fromDataset(d)}
        editing
        custodians={roles.coordinator ? 'any' : [d.custodian_code]}
        submitting={save.isPending}
        error={save.isError && <ProblemAlert error={save.error} testId="dataset-error" />}
        onSubmit={(v) => save.mutate(v)}
        onCancel={() => void navigate(`/catalog/${code}`)}
      />
    </>
  );
}
