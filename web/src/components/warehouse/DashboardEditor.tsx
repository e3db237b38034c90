import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App as AntApp, Button, Card, Empty, Flex, Input, InputNumber, Radio, Select, Space, Typography } from 'antd';
import { api, problemMessage, unwrap } from '../../api/client.ts';
import type { paths } from '../../api/schema.d.ts';
import { useI18n } from '../../i18n/index.tsx';
import { LoadError, Loading } from '../States.tsx';
import { TileParams } from './TileParams.tsx';

export type Dashboard = paths['/api/v1/warehouse/dashboards/{id}']['get']['responses'][200]['content']['application/json'];
type Tile = Dashboard['tiles'][number];
const CHARTS = ['bar', 'line', 'pie', 'table'] as const;

/**
 * Creates a dashboard or edits one: its title and description, and its tiles — each a saved query
 * of the agency, how it is drawn, its width on the 24-column grid and the values it gives the
 * query's parameters — added, reordered, removed.
 * The server checks every tile (the saved query must be the agency's) and the version (If-Match).
 */
export function DashboardEditor({ dashboard, onDone }: { dashboard: Dashboard | null; onDone: (saved: Dashboard | null) => void }) {
  const { t, lang } = useI18n();
  const { message } = AntApp.useApp();
  const client = useQueryClient();
  const [title, setTitle] = useState(dashboard?.title ?? '');
  const [description, setDescription] = useState(dashboard?.description ?? '');
  const [tiles, setTiles] = useState<Tile[]>(dashboard?.tiles ?? []);
  const saved = useQuery({ queryKey: ['warehouse-saved'], queryFn: async () => unwrap(await api.GET('/api/v1/warehouse/saved-queries')) });

  const save = useMutation({
    mutationFn: async () => {
      const body = { title: title.trim(), description: description.trim() || null, tiles };
      return dashboard
        ? unwrap(
            await api.PATCH('/api/v1/warehouse/dashboards/{id}', {
              params: { path: { id: dashboard.id }, header: { 'if-match': `"${dashboard.version}"` } },
              body,
            }),
          )
        : unwrap(await api.POST('/api/v1/warehouse/dashboards', { body }));
    },
    onSuccess: (d) => {
      void message.success(t('whd.saved'));
      void client.invalidateQueries({ queryKey: ['warehouse-dashboards'] });
      onDone(d);
    },
    onError: (err) => void message.error(problemMessage(err, lang, t('common.error'))),
  });

  const change = (i: number, patch: Partial<Tile>) => setTiles((ts) => ts.map((x, j) => (j === i ? { ...x, ...patch } : x)));
  const move = (i: number, by: -1 | 1) =>
    setTiles((ts) => {
      const out = [...ts];
      [out[i], out[i + by]] = [out[i + by]!, out[i]!];
      return out;
    });
  const options = (saved.data ?? []).map((q) => ({ value: q.id, label: q.name }));

  return (
    <Card title={t(dashboard ? 'whd.editor.edit' : 'whd.editor.new')} size="small">
      <Flex vertical gap={16}>
        <div>
          <label htmlFor="dashboard-title">
            <Typography.Text strong>{t('whd.field.title')}</Typography.Text>
          </label>
          <Input id="dashboard-title" value={title} maxLength={200} onChange={(e) => setTitle(e.target.value)} style={{ marginTop: 4 }} />
        </div>
        <div>
          <label htmlFor="dashboard-description">
            <Typography.Text strong>{t('whd.field.description')}</Typography.Text>
          </label>
          <Input.TextArea
            id="dashboard-description"
            value={description}
            maxLength={2000}
            autoSize={{ minRows: 2, maxRows: 6 }}
            onChange={(e) => setDescription(e.target.value)}
            style={{ marginTop: 4 }}
          />
        </div>
        <Typography.Title level={2} style={{ fontSize: 18, margin: 0 }}>
          {t('whd.tiles')}
        </Typography.Title>
        {saved.isPending ? (
          <Loading />
        ) : saved.isError ? (
          <LoadError error={saved.error} retry={() => void saved.refetch()} />
        ) : options.length === 0 ? (
          <Typography.Text>{t('whd.tiles.noSaved')}</Typography.Text>
        ) : (
          <>
            {tiles.length === 0 && <Empty description={t('whd.tiles.none')} />}
            {tiles.map((tile, i) => {
              const n = i + 1;
              return (
                <Card key={i} size="small" type="inner" title={t('whd.tile.n', { n })} data-testid={`tile-editor-${n}`}>
                  <Space wrap align="center">
                    <Select
                      aria-label={t('whd.tile.query', { n })}
                      value={tile.saved_query_id}
                      options={options}
                      onChange={(v: string) => change(i, { saved_query_id: v, params: undefined })}
                      style={{ minWidth: 240 }}
                      showSearch
                      optionFilterProp="label"
                    />
                    <Radio.Group
                      aria-label={t('whd.tile.chart', { n })}
                      optionType="button"
                      value={tile.chart}
                      onChange={(e) => change(i, { chart: e.target.value as Tile['chart'] })}
                      options={CHARTS.map((c) => ({ value: c, label: t(`whd.chart.${c}`) }))}
                    />
                    <InputNumber
                      aria-label={t('whd.tile.width', { n })}
                      min={1}
                      max={24}
                      precision={0}
                      value={tile.width}
                      onChange={(v) => change(i, { width: v ?? 12 })}
                    />
                    <Button disabled={i === 0} onClick={() => move(i, -1)}>
                      {t('whd.tile.up')}
                    </Button>
                    <Button disabled={i === tiles.length - 1} onClick={() => move(i, 1)}>
                      {t('whd.tile.down')}
                    </Button>
                    <Button onClick={() => setTiles((ts) => ts.filter((_, j) => j !== i))}>{t('whd.tile.remove')}</Button>
                  </Space>
                  <TileParams
                    n={n}
                    parameters={saved.data.find((q) => q.id === tile.saved_query_id)?.parameters ?? []}
                    values={tile.params}
                    onChange={(params) => change(i, { params })}
                  />
                </Card>
              );
            })}
            <Button onClick={() => setTiles((ts) => [...ts, { saved_query_id: options[0]!.value, chart: 'bar', width: 12 }])} disabled={tiles.length >= 24}>
              {t('whd.tile.add')}
            </Button>
          </>
        )}
        <Space>
          <Button type="primary" onClick={() => save.mutate()} loading={save.isPending} disabled={!title.trim()}>
            {t('whd.save')}
          </Button>
          <Button onClick={() => onDone(null)}>{t('whd.cancel')}</Button>
        </Space>
      </Flex>
    </Card>
  );
}
