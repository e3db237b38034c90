import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App as AntApp, Button, Card, Flex, List, Popconfirm, Space, Typography } from 'antd';
import { api, problemMessage, unwrap } from '../../api/client.ts';
import { useI18n } from '../../i18n/index.tsx';
import { LoadError } from '../States.tsx';
import type { SavedQuery } from './params.ts';

interface Props {
  onOpen(q: SavedQuery): void;
  onRun(q: SavedQuery): void;
  onEdit(q: SavedQuery): void;
  onDeleted(id: string): void;
}

/** The agency's saved queries, each opened into the editor, run with its parameters, edited or deleted (after a confirmation). */
export function SavedQueriesCard({ onOpen, onRun, onEdit, onDeleted }: Props) {
  const { t, lang } = useI18n();
  const { message } = AntApp.useApp();
  const client = useQueryClient();
  const saved = useQuery({ queryKey: ['warehouse-saved'], queryFn: async () => unwrap(await api.GET('/api/v1/warehouse/saved-queries')) });
  const remove = useMutation({
    mutationFn: async (id: string) => {
      unwrap(await api.DELETE('/api/v1/warehouse/saved-queries/{id}', { params: { path: { id } } }));
      return id;
    },
    onSuccess: (id) => {
      void message.success(t('wh.sq.deleted'));
      void client.invalidateQueries({ queryKey: ['warehouse-saved'] });
      onDeleted(id);
    },
    onError: (err) => void message.error(problemMessage(err, lang, t('common.error'))),
  });

  return (
    <Card title={t('wh.saved')} size="small">
      {saved.isError ? (
        <LoadError error={saved.error} />
      ) : (saved.data ?? []).length === 0 ? (
        <Typography.Text>{t('wh.saved.empty')}</Typography.Text>
      ) : (
        <List
          size="small"
          data-testid="saved-queries"
          dataSource={saved.data ?? []}
          renderItem={(q) => (
            <List.Item>
              <Flex vertical gap={4} style={{ width: '100%' }}>
                <Typography.Text strong>{q.name}</Typography.Text>
                {q.description && <Typography.Text type="secondary">{q.description}</Typography.Text>}
                {q.parameters.length > 0 && (
                  <Typography.Text type="secondary">{t('wh.sq.declares', { names: q.parameters.map((p) => `$${p.name}`).join(', ') })}</Typography.Text>
                )}
                <Space wrap size={4}>
                  <Button size="small" onClick={() => onOpen(q)} aria-label={t('wh.sq.openOf', { name: q.name })}>
                    {t('wh.load')}
                  </Button>
                  <Button size="small" onClick={() => onRun(q)} aria-label={t('wh.sq.runOf', { name: q.name })}>
                    {t('wh.sq.runAction')}
                  </Button>
                  <Button size="small" onClick={() => onEdit(q)} aria-label={t('wh.sq.editOf', { name: q.name })}>
                    {t('wh.sq.editAction')}
                  </Button>
                  <Popconfirm title={t('wh.sq.delete.confirm', { name: q.name })} onConfirm={() => remove.mutate(q.id)}>
                    <Button size="small" aria-label={t('wh.sq.deleteOf', { name: q.name })}>
                      {t('wh.sq.delete')}
                    </Button>
                  </Popconfirm>
                </Space>
              </Flex>
            </List.Item>
          )}
        />
      )}
    </Card>
  );
}
