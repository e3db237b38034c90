import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { App as AntApp, Alert, AutoComplete, Flex, Input, Modal, Select, Typography } from 'antd';
import { ApiError, api, problemMessage, unwrap } from '../../api/client.ts';
import { useI18n } from '../../i18n/index.tsx';
import { ParamInput } from './ParamInput.tsx';
import { type ChartSpec, type Parameter, type ParamType, type SavedQuery, placeholdersOf } from './params.ts';

const TYPES: ParamType[] = ['text', 'number', 'date'];
const CHARTS: ChartSpec['type'][] = ['bar', 'line', 'pie'];
/** The parameter rows line up under their headings. */
const COLUMN_WIDTHS = { name: 120, type: 130, label: 200, default: 200 };

/** The declared parameters of `sql`: one a placeholder, completed by what the analyst set (a new one is text). */
function parametersOf(sql: string, set: Record<string, Parameter>): Parameter[] {
  return placeholdersOf(sql).map((name) => set[name] ?? { name, type: 'text' });
}

/**
 * Saves a query (POST) or changes a saved one (PUT with If-Match: a 412 when someone changed it
 * meanwhile): its name, description, SQL, the parameters its `$name` placeholders declare (type,
 * label, default) and an optional chart (kind, x column, y columns). `columns` are those of the
 * answer on the page, offered for the chart.
 */
export function SavedQueryForm({
  editing,
  sql: initialSql,
  columns,
  onClose,
}: {
  editing: SavedQuery | null;
  sql: string;
  columns: string[];
  onClose(saved: SavedQuery | null): void;
}) {
  const { t, lang } = useI18n();
  const { message } = AntApp.useApp();
  const client = useQueryClient();
  const [name, setName] = useState(editing?.name ?? '');
  const [description, setDescription] = useState(editing?.description ?? '');
  const [sql, setSql] = useState(editing?.sql ?? initialSql);
  const [set, setSet] = useState<Record<string, Parameter>>(() => Object.fromEntries((editing?.parameters ?? []).map((p) => [p.name, p])));
  const [chart, setChart] = useState<Partial<ChartSpec> | null>(editing?.chart ?? null);
  const parameters = parametersOf(sql, set);
  const change = (p: Parameter, patch: Partial<Parameter>) => setSet((s) => ({ ...s, [p.name]: { ...p, ...patch } }));
  const chartReady = !chart || (!!chart.type && !!chart.x?.trim() && (chart.y?.length ?? 0) > 0);

  const save = useMutation({
    mutationFn: async () => {
      const body = {
        name: name.trim(),
        description: description.trim() || null,
        sql,
        parameters: parameters.map((p) => ({ ...p, label: p.label?.trim() || undefined })),
        chart: chart && chartReady ? { type: chart.type!, x: chart.x!.trim(), y: chart.y! } : null,
      };
      return editing
        ? unwrap(
            await api.PUT('/api/v1/warehouse/saved-queries/{id}', {
              params: { path: { id: editing.id }, header: { 'if-match': `"${editing.version}"` } },
              body,
            }),
          )
        : unwrap(await api.POST('/api/v1/warehouse/saved-queries', { body }));
    },
    onSuccess: (q) => {
      void message.success(t(editing ? 'wh.sq.updated' : 'wh.saved.done'));
      void client.invalidateQueries({ queryKey: ['warehouse-saved'] });
      onClose(q);
    },
    // The list is fetched again so that the query opened next time is the one now stored.
    onError: (err) => {
      if (err instanceof ApiError && err.status === 412) void client.invalidateQueries({ queryKey: ['warehouse-saved'] });
    },
  });
  const refusal =
    save.error instanceof ApiError && save.error.status === 412 ? t('wh.sq.stale') : save.error ? problemMessage(save.error, lang, t('common.error')) : null;
  const columnOptions = columns.map((c) => ({ value: c, label: c }));
  const title = editing ? t('wh.sq.edit', { name: editing.name }) : t('wh.sq.new');

  return (
    <Modal
      open
      title={title}
      okText={t('wh.sq.submit')}
      cancelText={t('wh.cancel')}
      onOk={() => save.mutate()}
      onCancel={() => onClose(null)}
      okButtonProps={{ disabled: !name.trim() || !sql.trim() || !chartReady }}
      confirmLoading={save.isPending}
      width={760}
    >
      <Flex vertical gap={12} role="form" aria-label={title}>
        {refusal && <Alert type="error" showIcon title={refusal} data-testid="saved-query-refusal" />}
        <div>
          <label htmlFor="saved-query-name">
            <Typography.Text strong>{t('wh.saveName')}</Typography.Text>
          </label>
          <Input id="saved-query-name" value={name} maxLength={200} onChange={(e) => setName(e.target.value)} style={{ marginTop: 4 }} />
        </div>
        <div>
          <label htmlFor="saved-query-description">
            <Typography.Text strong>{t('wh.sq.description')}</Typography.Text>
          </label>
          <Input.TextArea
            id="saved-query-description"
            value={description}
            maxLength={2000}
            autoSize={{ minRows: 1, maxRows: 4 }}
            onChange={(e) => setDescription(e.target.value)}
            style={{ marginTop: 4 }}
          />
        </div>
        <div>
          <label htmlFor="saved-query-sql">
            <Typography.Text strong>{t('wh.sq.sql')}</Typography.Text>
          </label>
          <Input.TextArea
            id="saved-query-sql"
            value={sql}
            onChange={(e) => setSql(e.target.value)}
            autoSize={{ minRows: 4, maxRows: 14 }}
            style={{ fontFamily: 'monospace', marginTop: 4 }}
            spellCheck={false}
          />
        </div>
        <Typography.Title level={3} style={{ fontSize: 16, margin: 0 }}>
          {t('wh.sq.params')}
        </Typography.Title>
        <Typography.Text type="secondary">{parameters.length ? t('wh.sq.params.hint') : t('wh.sq.params.none')}</Typography.Text>
        {parameters.length > 0 && (
          <Flex gap={8} aria-hidden>
            {(['name', 'type', 'label', 'default'] as const).map((c) => (
              <Typography.Text key={c} type="secondary" style={{ width: COLUMN_WIDTHS[c] }}>
                {t(`wh.sq.col.${c}`)}
              </Typography.Text>
            ))}
          </Flex>
        )}
        {parameters.map((p) => (
          <Flex key={p.name} wrap gap={8} align="center" data-testid={`saved-query-param-${p.name}`}>
            <Typography.Text code style={{ width: COLUMN_WIDTHS.name }}>
              ${p.name}
            </Typography.Text>
            <Select
              aria-label={t('wh.sq.param.type', { name: p.name })}
              value={p.type}
              options={TYPES.map((k) => ({ value: k, label: t(`wh.sq.type.${k}`) }))}
              onChange={(type: ParamType) => change(p, { type, default: undefined })}
              style={{ width: COLUMN_WIDTHS.type }}
            />
            <Input
              aria-label={t('wh.sq.param.label', { name: p.name })}
              placeholder={t('wh.sq.param.labelHint')}
              value={p.label ?? ''}
              maxLength={200}
              onChange={(e) => change(p, { label: e.target.value })}
              style={{ width: COLUMN_WIDTHS.label }}
            />
            <ParamInput
              id={`saved-query-default-${p.name}`}
              type={p.type}
              label={t('wh.sq.param.default', { name: p.name })}
              placeholder={t('wh.sq.param.defaultHint')}
              value={p.default ?? undefined}
              onChange={(v) => change(p, { default: v })}
            />
          </Flex>
        ))}
        <Typography.Title level={3} style={{ fontSize: 16, margin: 0 }}>
          {t('wh.sq.chart')}
        </Typography.Title>
        <Flex wrap gap={8} align="center">
          <Select
            aria-label={t('wh.sq.chart.type')}
            value={chart?.type ?? 'none'}
            options={[{ value: 'none', label: t('wh.sq.chart.none') }, ...CHARTS.map((c) => ({ value: c, label: t(`whd.chart.${c}`) }))]}
            onChange={(v: ChartSpec['type'] | 'none') => setChart(v === 'none' ? null : { ...chart, type: v })}
            style={{ width: 140 }}
          />
          {chart && (
            <>
              <AutoComplete
                aria-label={t('wh.sq.chart.x')}
                placeholder={t('wh.sq.chart.x')}
                value={chart.x ?? ''}
                options={columnOptions}
                onChange={(x: string) => setChart({ ...chart, x })}
                style={{ width: 200 }}
              />
              <Select
                mode="tags"
                aria-label={t('wh.sq.chart.y')}
                placeholder={t('wh.sq.chart.y')}
                value={chart.y ?? []}
                options={columnOptions}
                onChange={(y: string[]) => setChart({ ...chart, y })}
                style={{ minWidth: 240 }}
              />
            </>
          )}
        </Flex>
      </Flex>
    </Modal>
  );
}
