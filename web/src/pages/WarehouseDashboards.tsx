import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { App as AntApp, Button, Card, Popconfirm, Space, Table, Typography } from 'antd';
import { api, problemMessage, unwrap } from '../api/client.ts';
import { LinkButton } from '../components/LinkButton.tsx';
import { LoadError, Loading } from '../components/States.tsx';
import { type Dashboard, DashboardEditor } from '../components/warehouse/DashboardEditor.tsx';
import { DashboardView } from '../components/warehouse/DashboardView.tsx';
import { useI18n } from '../i18n/index.tsx';
import { formatDateTime } from '../time.ts';

/**
 * The warehouse's dashboards: the agency's list, a dashboard drawn from its refresh, and
 * the editor. Which one shows is in the address (`?view=<id>`, `?edit=<id>`, `?edit=new`).
 */
export default function WarehouseDashboards() {
  const { t, lang } = useI18n();
  const { message } = AntApp.useApp();
  const client = useQueryClient();
  const [search, setSearch] = useSearchParams();
  const viewing = search.get('view');
  const editing = search.get('edit');
  const list = useQuery({ queryKey: ['warehouse-dashboards'], queryFn: async () => unwrap(await api.GET('/api/v1/warehouse/dashboards')) });
  const current = (id: string | null) => (id ? (list.data ?? []).find((d) => d.id === id) : undefined);
  const remove = useMutation({
    mutationFn: async (id: string) => unwrap(await api.DELETE('/api/v1/warehouse/dashboards/{id}', { params: { path: { id } } })),
    onSuccess: () => {
      void message.success(t('whd.deleted'));
      void client.invalidateQueries({ queryKey: ['warehouse-dashboards'] });
    },
    onError: (err) => void message.error(problemMessage(err, lang, t('common.error'))),
  });
  const show = (d: Dashboard | null) => {
    if (d) client.setQueryData<Dashboard[]>(['warehouse-dashboards'], (old) => [...(old ?? []).filter((x) => x.id !== d.id), d]);
    setSearch(d ? { view: d.id } : {});
  };

  const shown = current(viewing);
  const edited = current(editing);
  const heading = shown?.title ?? t('whd.title');

  let body;
  if (list.isPending) body = <Loading />;
  else if (list.isError) body = <LoadError error={list.error} retry={() => void list.refetch()} />;
  else if (editing === 'new' || edited) body = <DashboardEditor key={editing} dashboard={edited ?? null} onDone={show} />;
  else if (shown) body = <DashboardView dashboard={shown} />;
  else
    body = (
      <Card
        title={t('whd.list')}
        size="small"
        extra={
          <Button type="primary" onClick={() => setSearch({ edit: 'new' })}>
            {t('whd.new')}
          </Button>
        }
      >
        {list.data.length === 0 ? (
          <Typography.Text>{t('whd.empty')}</Typography.Text>
        ) : (
          <Table
            size="small"
            rowKey="id"
            dataSource={list.data}
            pagination={{ pageSize: 20, hideOnSinglePage: true }}
            columns={[
              { title: t('whd.col.title'), dataIndex: 'title', key: 'title' },
              { title: t('whd.col.tiles'), key: 'tiles', render: (_: unknown, d: Dashboard) => d.tiles.length },
              { title: t('whd.col.updated'), key: 'updated', render: (_: unknown, d: Dashboard) => formatDateTime(d.updated_at) },
              {
                title: t('whd.col.actions'),
                key: 'actions',
                render: (_: unknown, d: Dashboard) => (
                  <Space wrap>
                    <Button size="small" onClick={() => show(d)}>
                      {t('whd.view')}
                    </Button>
                    <Button size="small" onClick={() => setSearch({ edit: d.id })}>
                      {t('whd.edit')}
                    </Button>
                    <Popconfirm title={t('whd.delete.confirm')} onConfirm={() => remove.mutate(d.id)}>
                      <Button size="small">{t('whd.delete')}</Button>
                    </Popconfirm>
                  </Space>
                ),
              },
            ]}
          />
        )}
      </Card>
    );

  return (
    <>
      <Typography.Title level={1} style={{ fontSize: 24, marginTop: 0 }}>
        {heading}
      </Typography.Title>
      <Space wrap style={{ display: 'flex', marginBottom: 16 }}>
        <LinkButton to="/warehouse">{t('nav.warehouse')}</LinkButton>
        {(viewing || editing) && <Button onClick={() => setSearch({})}>{t('whd.back')}</Button>}
        {shown && <Button onClick={() => setSearch({ edit: shown.id })}>{t('whd.edit')}</Button>}
      </Space>
      {!shown && !editing && <Typography.Paragraph>{t('whd.intro')}</Typography.Paragraph>}
      {body}
    </>
  );
}
