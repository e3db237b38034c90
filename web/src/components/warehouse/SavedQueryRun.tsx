import { useState } from 'react';
import { useMutation } from '@tanstack/react-query';
import { Alert, Button, Card, Flex, Space, Typography } from 'antd';
import { api, problemMessage, unwrap } from '../../api/client.ts';
import { useI18n } from '../../i18n/index.tsx';
import { ParamInput } from './ParamInput.tsx';
import { type ParamValue, type SavedQuery, filledValues } from './params.ts';
import type { Answer } from './tileChart.ts';

/**
 * Runs a saved query (POST …/{id}/run) with one input a declared parameter, each pre-filled with
 * its default; an input left empty takes the default. The server decides and logs the run as any
 * query; its refusal (a value of the wrong type, a value missing…) is shown as it words it.
 */
export function SavedQueryRun({ query, onAnswer, onClose }: { query: SavedQuery; onAnswer(a: Answer): void; onClose(): void }) {
  const { t, lang } = useI18n();
  const [values, setValues] = useState<Record<string, ParamValue | undefined>>(() =>
    Object.fromEntries(query.parameters.map((p) => [p.name, p.default ?? undefined])),
  );
  const run = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST('/api/v1/warehouse/saved-queries/{id}/run', {
          params: { path: { id: query.id } },
          body: { params: filledValues(values) },
        }),
      ),
    onSuccess: onAnswer,
  });
  const title = t('wh.sq.run.title', { name: query.name });

  return (
    <Card title={title} size="small" style={{ marginBottom: 16 }} data-testid="saved-query-run">
      <Flex vertical gap={12} role="form" aria-label={title}>
        {query.description && <Typography.Text type="secondary">{query.description}</Typography.Text>}
        {query.parameters.length === 0 ? (
          <Typography.Text>{t('wh.sq.run.none')}</Typography.Text>
        ) : (
          <Typography.Text type="secondary">{t('wh.sq.run.hint')}</Typography.Text>
        )}
        {query.parameters.map((p) => {
          const id = `saved-query-run-${p.name}`;
          return (
            <Flex key={p.name} wrap gap={8} align="center">
              <label htmlFor={id} style={{ minWidth: 160 }}>
                <Typography.Text strong>{p.label || p.name}</Typography.Text>
              </label>
              <ParamInput
                id={id}
                type={p.type}
                label={p.label || p.name}
                value={values[p.name]}
                onChange={(v) => {
                  run.reset();
                  setValues((s) => ({ ...s, [p.name]: v }));
                }}
              />
            </Flex>
          );
        })}
        {run.isError && <Alert type="error" showIcon title={problemMessage(run.error, lang, t('common.error'))} data-testid="saved-query-run-problem" />}
        <Space>
          <Button type="primary" onClick={() => run.mutate()} loading={run.isPending}>
            {t('wh.sq.run.submit')}
          </Button>
          <Button onClick={onClose}>{t('wh.sq.run.close')}</Button>
        </Space>
      </Flex>
    </Card>
  );
}
