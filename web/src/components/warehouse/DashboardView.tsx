import { useEffect, useMemo, useState } from 'react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { Alert, Button, Card, Col, Row, Space, Table, Tag, Typography } from 'antd';
import { ApiError, api, problemMessage, unwrap } from '../../api/client.ts';
import { useI18n } from '../../i18n/index.tsx';
import { formatDateTime } from '../../time.ts';
import { Chart } from '../Chart.tsx';
import { LoadError, Loading } from '../States.tsx';
import type { Dashboard } from './DashboardEditor.tsx';
import { type ParamValue, type SavedQuery, shownValue } from './params.ts';
import { type Refresh, type RefreshedTile, tileOption } from './tileChart.ts';

function AnswerTable({ tile }: { tile: RefreshedTile }) {
  const a = tile.result!;
  return (
    <Table
      size="small"
      rowKey={(_, i) => String(i)}
      scroll={{ x: true }}
      pagination={{ pageSize: 10, hideOnSinglePage: true }}
      dataSource={a.rows.map((r) => Object.fromEntries(a.columns.map((c, i) => [c.name, r[i]])))}
      columns={a.columns.map((c) => ({
        title: c.name,
        dataIndex: c.name,
        key: c.name,
        render: (v: unknown) => (v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v)),
      }))}
    />
  );
}

/** The value each declared parameter of a tile's saved query took: the tile's own, else the default. */
function valuesOf(query: SavedQuery | undefined, given: Record<string, ParamValue> | undefined, byDefault: string): string[] {
  return (query?.parameters ?? []).flatMap((p) => {
    const own = given?.[p.name];
    const v = own ?? p.default;
    if (v === undefined || v === null) return [];
    return [`${p.label || p.name}: ${shownValue(p, v)}${own === undefined ? ` ${byDefault}` : ''}`];
  });
}

function TileCard({ tile, values }: { tile: RefreshedTile; values: string[] }) {
  const { t, lang } = useI18n();
  const option = useMemo(() => tileOption(tile), [tile]);
  const name = tile.saved_query?.name ?? t('whd.tile.missing');
  return (
    <Card size="small" title={name} data-testid="dashboard-tile" style={{ height: '100%' }}>
      {tile.problem ? (
        <Alert type="error" showIcon title={problemMessage(new ApiError(tile.problem.status, tile.problem, null), lang, t('common.error'))} />
      ) : tile.result ? (
        <>
          {option ? (
            <Chart option={option} label={t('whd.tile.chartLabel', { name })} height={280} />
          ) : (
            <>
              {tile.chart !== 'table' && <Typography.Paragraph type="secondary">{t('whd.tile.noChart')}</Typography.Paragraph>}
              <AnswerTable tile={tile} />
            </>
          )}
          <Space wrap style={{ marginTop: 8 }}>
            {values.map((v) => (
              <Tag key={v} data-testid="dashboard-tile-param">
                {v}
              </Tag>
            ))}
            <Tag>{t('wh.rows', { n: tile.result.rows.length })}</Tag>
            {tile.result.receipts.length > 0 && (
              <Typography.Text type="secondary">{t('wh.logged', { logs: tile.result.receipts.map((r) => r.log).join(', ') })}</Typography.Text>
            )}
          </Space>
        </>
      ) : null}
    </Card>
  );
}

/**
 * A dashboard drawn: each tile refreshed by the server (the viewer's grants of now, logged for
 * each custodian before the answer), laid on a 24-column grid at its width — full width on a
 * narrow screen. A tile refused or gone shows its own problem; the others still draw.
 */
export function DashboardView({ dashboard }: { dashboard: Dashboard }) {
  const { t } = useI18n();
  // The last refresh stays drawn while the next one runs.
  const [data, setData] = useState<Refresh | null>(null);
  const saved = useQuery({ queryKey: ['warehouse-saved'], queryFn: async () => unwrap(await api.GET('/api/v1/warehouse/saved-queries')) });
  const refresh = useMutation({
    mutationFn: async () => unwrap(await api.POST('/api/v1/warehouse/dashboards/{id}/refresh', { params: { path: { id: dashboard.id } } })),
    onSuccess: setData,
  });
  const { mutate } = refresh;
  useEffect(() => mutate(), [mutate, dashboard.id, dashboard.version]);

  return (
    <>
      <Space wrap style={{ marginBottom: 16 }}>
        <Button type="primary" onClick={() => refresh.mutate()} loading={refresh.isPending}>
          {t('whd.refresh')}
        </Button>
        {refresh.isPending ? (
          <Typography.Text type="secondary">{t('whd.refreshing')}</Typography.Text>
        ) : data ? (
          <Typography.Text type="secondary" data-testid="dashboard-refreshed">
            {t('whd.refreshed', { at: formatDateTime(data.refreshed_at) })}
          </Typography.Text>
        ) : null}
      </Space>
      {dashboard.description && <Typography.Paragraph>{dashboard.description}</Typography.Paragraph>}
      {refresh.isError ? (
        <LoadError error={refresh.error} retry={() => refresh.mutate()} />
      ) : !data ? (
        <Loading />
      ) : (
        <Row gutter={[16, 16]} data-testid="dashboard-grid">
          {data.tiles.map((tile) => (
            <Col key={tile.position} xs={24} lg={tile.width}>
              <TileCard
                tile={tile}
                values={valuesOf(
                  saved.data?.find((q) => q.id === tile.saved_query_id),
                  dashboard.tiles[tile.position]?.params,
                  t('whd.tile.byDefault'),
                )}
              />
            </Col>
          ))}
        </Row>
      )}
    </>
  );
}
