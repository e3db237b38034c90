import { useMemo, useState } from 'react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { App as AntApp, Alert, Button, Card, Col, Dropdown, Input, Row, Space, Table, Tag, Typography } from 'antd';
import { api, ApiError, problemMessage, unwrap } from '../api/client.ts';
import type { paths } from '../api/schema.d.ts';
import { Chart, type ChartOption } from '../components/Chart.tsx';
import { LinkButton } from '../components/LinkButton.tsx';
import { LoadError, Loading } from '../components/States.tsx';
import type { SavedQuery } from '../components/warehouse/params.ts';
import { SavedQueriesCard } from '../components/warehouse/SavedQueriesCard.tsx';
import { SavedQueryForm } from '../components/warehouse/SavedQueryForm.tsx';
import { SavedQueryRun } from '../components/warehouse/SavedQueryRun.tsx';
import { answerOption } from '../components/warehouse/tileChart.ts';
import { useI18n } from '../i18n/index.tsx';

type Answer = paths['/api/v1/warehouse/query']['post']['responses'][200]['content']['application/json'];
type Format = 'csv' | 'xlsx' | 'parquet';
type Forecast = paths['/api/v1/warehouse/forecast']['post']['responses'][200]['content']['application/json'];

/** Periods a forecast asks for from the page. */
const HORIZON = 6;

/**
 * The series and its forecast as lines on one axis, the 95 % interval as a band: the lower bound
 * (no line) with the interval's width stacked on it and shaded.
 */
function forecastChartOf(f: Forecast, names: { history: string; forecast: string; band: string }): ChartOption {
  const before = f.history.map(() => null);
  const after = f.forecast.map(() => null);
  const last = f.history.at(-1)?.value ?? null;
  return {
    tooltip: { trigger: 'axis' },
    legend: { data: [names.history, names.forecast, names.band] },
    xAxis: { type: 'category', data: [...f.history, ...f.forecast].map((p) => String(p.period)) },
    yAxis: { type: 'value', scale: true },
    series: [
      { type: 'line', name: names.history, data: [...f.history.map((p) => p.value), ...after] },
      {
        type: 'line',
        name: names.forecast,
        lineStyle: { type: 'dashed' },
        data: [...before.slice(1), last, ...f.forecast.map((p) => p.value)],
      },
      {
        type: 'line',
        name: 'lower',
        stack: 'band',
        stackStrategy: 'all',
        symbol: 'none',
        lineStyle: { opacity: 0 },
        tooltip: { show: false },
        data: [...before, ...f.forecast.map((p) => p.lower)],
      },
      {
        type: 'line',
        name: names.band,
        stack: 'band',
        stackStrategy: 'all',
        symbol: 'none',
        lineStyle: { opacity: 0 },
        areaStyle: { opacity: 0.25 },
        data: [...before, ...f.forecast.map((p) => p.upper - p.lower)],
      },
    ],
  };
}

/** A bar chart of the answer: the first column along x, every numeric column as a series. */
function chartOf(a: Answer): ChartOption | null {
  if (a.columns.length < 2 || a.rows.length === 0) return null;
  const numeric = a.columns.map((_, i) => i).filter((i) => i > 0 && a.rows.every((r) => typeof r[i] === 'number' || r[i] === null));
  if (numeric.length === 0) return null;
  return {
    tooltip: { trigger: 'axis' },
    legend: {},
    xAxis: { type: 'category', data: a.rows.map((r) => String(r[0] ?? '')) },
    yAxis: { type: 'value' },
    series: numeric.map((i) => ({ type: 'bar', name: a.columns[i]!.name, data: a.rows.map((r) => r[i] as number | null) })),
  };
}

/**
 * The shared data warehouse's SQL page: the schema the analyst may query, an editor,
 * the answer as a table and a chart, saved queries and exports. Everything is decided by the
 * server for each request; the page only shows what it is given.
 */
export default function Warehouse() {
  const { t, lang } = useI18n();
  const { message } = AntApp.useApp();
  const [sql, setSql] = useState('');
  const [answer, setAnswer] = useState<Answer | null>(null);
  // The saved query whose run gave the answer: its chart spec draws it.
  const [answeredBy, setAnsweredBy] = useState<SavedQuery | null>(null);
  const [running, setRunning] = useState<SavedQuery | null>(null);
  const [form, setForm] = useState<{ editing: SavedQuery | null } | null>(null);
  const [queryId, setQueryId] = useState<string | null>(null);
  const fail = (err: unknown) => void message.error(problemMessage(err, lang, t('common.error')));

  const schema = useQuery({ queryKey: ['warehouse-schema'], queryFn: async () => unwrap(await api.GET('/api/v1/warehouse/schema')) });

  const run = useMutation({
    mutationFn: async () => {
      const id = crypto.randomUUID();
      setQueryId(id);
      try {
        return unwrap(await api.POST('/api/v1/warehouse/query', { body: { sql, query_id: id, limit: 1000 } }));
      } finally {
        setQueryId(null);
      }
    },
    onSuccess: (a) => {
      setAnswer(a);
      setAnsweredBy(null);
    },
    onError: (err) => {
      setAnswer(null);
      fail(err);
    },
  });
  const [forecast, setForecast] = useState<Forecast | null>(null);
  const project = useMutation({
    mutationFn: async () => unwrap(await api.POST('/api/v1/warehouse/forecast', { body: { sql, horizon: HORIZON } })),
    onSuccess: setForecast,
    onError: (err) => {
      setForecast(null);
      fail(err);
    },
  });
  const cancel = () => {
    if (queryId) void api.POST('/api/v1/warehouse/queries/{id}/cancel', { params: { path: { id: queryId } } });
  };
  const download = async (format: Format) => {
    const res = await api.POST('/api/v1/warehouse/exports', { body: { sql, format }, parseAs: 'blob' });
    if (!res.response.ok) {
      const problem = (await res.response
        .clone()
        .json()
        .catch(() => undefined)) as ApiError['problem'];
      return fail(new ApiError(res.response.status, problem, null));
    }
    const url = URL.createObjectURL(res.data as Blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = `kho-du-lieu.${format}`;
    a.click();
    URL.revokeObjectURL(url);
  };

  const spec = answeredBy?.chart;
  const option = useMemo(() => (answer ? (spec ? answerOption(answer, spec.type, spec) : chartOf(answer)) : null), [answer, spec]);
  const forecastOption = useMemo(
    () => (forecast ? forecastChartOf(forecast, { history: t('wh.forecast.history'), forecast: t('wh.forecast.value'), band: t('wh.forecast.band') }) : null),
    [forecast, t],
  );
  const figure = (v: number) => v.toLocaleString(lang === 'vi' ? 'vi-VN' : 'en-GB', { maximumFractionDigits: 1 });

  return (
    <>
      <Typography.Title level={1} style={{ fontSize: 24, marginTop: 0 }}>
        {t('wh.title')}
      </Typography.Title>
      <Typography.Paragraph>{t('wh.intro')}</Typography.Paragraph>
      <div style={{ marginBottom: 16 }}>
        <LinkButton to="/warehouse/dashboards">{t('wh.dashboards')}</LinkButton>
      </div>
      <Row gutter={16}>
        <Col xs={24} lg={7}>
          <Card title={t('wh.schema')} size="small" style={{ marginBottom: 16 }}>
            {schema.isPending ? (
              <Loading />
            ) : schema.isError ? (
              <LoadError error={schema.error} retry={() => void schema.refetch()} />
            ) : schema.data.datasets.length === 0 ? (
              <Typography.Text>{t('wh.schema.empty')}</Typography.Text>
            ) : (
              <div data-testid="warehouse-schema">
                {schema.data.datasets.map((d) => (
                  <div key={d.view} style={{ marginBottom: 12 }}>
                    <Typography.Text strong code>
                      {d.view}
                    </Typography.Text>{' '}
                    <Typography.Text type="secondary">{lang === 'vi' ? d.name_vi : d.name_en}</Typography.Text>
                    {d.aggregates_only && <Tag color="gold">{t('wh.aggregates', { n: d.min_cell ?? 5 })}</Tag>}
                    <ul style={{ margin: '4px 0 0', paddingLeft: 20 }}>
                      {d.columns.map((c) => (
                        <li key={c.name}>
                          <code>{c.name}</code> <Typography.Text type="secondary">{lang === 'vi' ? c.label_vi : c.label_en}</Typography.Text>{' '}
                          {c.masked && <Tag>{t('wh.masked')}</Tag>}
                        </li>
                      ))}
                    </ul>
                  </div>
                ))}
                {schema.data.dimensions.length > 0 && (
                  <>
                    <Typography.Text strong>{t('wh.dimensions')}</Typography.Text>
                    <ul style={{ margin: '4px 0 0', paddingLeft: 20 }}>
                      {schema.data.dimensions.map((d) => (
                        <li key={d.view}>
                          <code>{d.view}</code>
                        </li>
                      ))}
                    </ul>
                  </>
                )}
              </div>
            )}
          </Card>
          <SavedQueriesCard
            onOpen={(q) => setSql(q.sql)}
            onRun={setRunning}
            onEdit={(q) => setForm({ editing: q })}
            onDeleted={(id) => {
              if (running?.id === id) setRunning(null);
            }}
          />
        </Col>
        <Col xs={24} lg={17}>
          <Card size="small" style={{ marginBottom: 16 }}>
            <label htmlFor="warehouse-sql">
              <Typography.Text strong>{t('wh.sql')}</Typography.Text>
            </label>
            <Input.TextArea
              id="warehouse-sql"
              value={sql}
              onChange={(e) => setSql(e.target.value)}
              autoSize={{ minRows: 6, maxRows: 20 }}
              style={{ fontFamily: 'monospace', marginTop: 8 }}
              spellCheck={false}
            />
            <Space wrap style={{ marginTop: 12 }}>
              <Button type="primary" onClick={() => run.mutate()} loading={run.isPending} disabled={!sql.trim()}>
                {t('wh.run')}
              </Button>
              <Button onClick={cancel} disabled={!run.isPending}>
                {t('wh.cancel')}
              </Button>
              <Button onClick={() => project.mutate()} loading={project.isPending} disabled={!sql.trim()}>
                {t('wh.forecast', { n: HORIZON })}
              </Button>
              <Dropdown
                disabled={!sql.trim()}
                menu={{
                  items: (['csv', 'xlsx', 'parquet'] as const).map((f) => ({ key: f, label: f.toUpperCase() })),
                  onClick: ({ key }) => void download(key as Format),
                }}
              >
                <Button>{t('wh.export')}</Button>
              </Dropdown>
              <Button onClick={() => setForm({ editing: null })} disabled={!sql.trim()}>
                {t('wh.save')}
              </Button>
            </Space>
          </Card>
          {running && (
            <SavedQueryRun
              key={`${running.id}/${running.version}`}
              query={running}
              onAnswer={(a) => {
                setAnswer(a);
                setAnsweredBy(running);
              }}
              onClose={() => setRunning(null)}
            />
          )}
          <Card title={t('wh.result')} size="small">
            {!answer ? (
              <Typography.Text>{t('wh.noResult')}</Typography.Text>
            ) : (
              <div data-testid="warehouse-result">
                <Space wrap style={{ marginBottom: 8 }}>
                  <Tag>{t('wh.rows', { n: answer.rows.length })}</Tag>
                  <Typography.Text type="secondary">{t('wh.logged', { logs: answer.receipts.map((r) => r.log).join(', ') })}</Typography.Text>
                </Space>
                {answer.truncated && <Alert type="warning" showIcon title={t('wh.truncated')} style={{ marginBottom: 8 }} />}
                <Table
                  size="small"
                  rowKey={(_, i) => String(i)}
                  scroll={{ x: true }}
                  pagination={{ pageSize: 20, hideOnSinglePage: true }}
                  dataSource={answer.rows.map((r) => Object.fromEntries(answer.columns.map((c, i) => [c.name, r[i]])))}
                  columns={answer.columns.map((c) => ({
                    title: c.name,
                    dataIndex: c.name,
                    key: c.name,
                    render: (v: unknown) => (v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v)),
                  }))}
                />
                {option && (
                  <>
                    <Typography.Title level={2} style={{ fontSize: 18 }}>
                      {t('wh.chart')}
                    </Typography.Title>
                    <Chart option={option} label={answeredBy?.chart ? t('wh.chart.saved', { name: answeredBy.name }) : t('wh.chart.label')} />
                  </>
                )}
              </div>
            )}
          </Card>
          {forecast && forecastOption && (
            <Card title={t('wh.forecast.title', { model: forecast.model, level: Math.round(forecast.level * 100) })} size="small" style={{ marginTop: 16 }}>
              <div data-testid="warehouse-forecast">
                <Typography.Paragraph type="secondary">{t('wh.forecast.hint')}</Typography.Paragraph>
                <Chart option={forecastOption} label={t('wh.forecast.label')} />
                <Table
                  size="small"
                  rowKey={(p) => String(p.period)}
                  pagination={false}
                  dataSource={forecast.forecast}
                  columns={[
                    { title: t('wh.forecast.period'), dataIndex: 'period', key: 'period', render: (v: string | number) => String(v) },
                    { title: t('wh.forecast.value'), dataIndex: 'value', key: 'value', render: figure },
                    { title: t('wh.forecast.lower'), dataIndex: 'lower', key: 'lower', render: figure },
                    { title: t('wh.forecast.upper'), dataIndex: 'upper', key: 'upper', render: figure },
                  ]}
                />
              </div>
            </Card>
          )}
        </Col>
      </Row>
      {form && (
        <SavedQueryForm
          editing={form.editing}
          sql={sql}
          columns={answer?.columns.map((c) => c.name) ?? []}
          onClose={(q) => {
            setForm(null);
            if (q && running?.id === q.id) setRunning(q);
          }}
        />
      )}
    </>
  );
}
