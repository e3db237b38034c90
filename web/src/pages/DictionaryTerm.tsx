import { Link, useParams } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App as AntApp, Card, Descriptions, Flex, Tag, Typography } from 'antd';
import { api, unwrap } from '../api/client.ts';
import { ProblemAlert } from '../components/accounts/ProblemAlert.tsx';
import { Loading } from '../components/States.tsx';
import { DictionaryForm, type Entry, type EntryValues, entryPatch } from '../components/catalog/DictionaryForm.tsx';
import { HistoryCard } from '../components/catalog/HistoryCard.tsx';
import { useCatalogRoles } from '../components/catalog/roles.ts';
import { Refusal, useLabel } from '../components/catalog/shared.tsx';
import { useI18n } from '../i18n/index.tsx';
import { formatDateTime } from '../time.ts';

const Title = ({ children }: { children: string }) => (
  <Typography.Title level={2} style={{ fontSize: 18, margin: 0 }}>
    {children}
  </Typography.Title>
);

/** One data-dictionary entry: its definition, the coordinator's edit (If-Match), its history. */
export default function DictionaryTerm() {
  const { name = '' } = useParams();
  const { t, lang } = useI18n();
  const label = useLabel();
  const { message } = AntApp.useApp();
  const qc = useQueryClient();
  const { coordinator } = useCatalogRoles();
  const entry = useQuery({
    queryKey: ['dictionary-entry', name],
    queryFn: async () => unwrap(await api.GET('/api/v1/dictionary/{name}', { params: { path: { name } } })),
  });
  const save = useMutation({
    mutationFn: async (v: EntryValues) =>
      unwrap(
        await api.PATCH('/api/v1/dictionary/{name}', { params: { path: { name }, header: { 'if-match': `"${entry.data!.version}"` } }, body: entryPatch(v) }),
      ),
    onSuccess: (e) => {
      void message.success(t('dict.saved'));
      qc.setQueryData(['dictionary-entry', name], e);
      void qc.invalidateQueries({ queryKey: ['dictionary'] });
      void qc.invalidateQueries({ queryKey: ['dictionary-history', name] });
    },
  });
  if (entry.isPending) return <Loading />;
  if (entry.isError)
    return (
      <>
        <Link to="/dictionary">← {t('dict.title')}</Link>
        <div style={{ marginTop: 16 }}>
          <Refusal error={entry.error} retry={() => void entry.refetch()} />
        </div>
      </>
    );
  const e: Entry = entry.data;
  const description = lang === 'vi' ? e.description_vi : e.description_en;
  return (
    <>
      <Link to="/dictionary">← {t('dict.title')}</Link>
      <Typography.Title level={1} style={{ fontSize: 24 }}>
        {lang === 'vi' ? e.label_vi : e.label_en} <Typography.Text code>{e.name}</Typography.Text>
      </Typography.Title>
      <Flex vertical gap={16}>
        <Card title={<Title>{t('dict.definition')}</Title>}>
          <Descriptions bordered size="small" column={{ xs: 1, md: 2 }} data-testid="term-definition">
            <Descriptions.Item label={t('ds.f.type')}>{label('ds.type', e.type)}</Descriptions.Item>
            <Descriptions.Item label={t('ds.f.personal')}>
              <Tag color={e.personal === 'sensitive' ? 'red' : 'default'}>{label('ds.personalKind', e.personal)}</Tag>
            </Descriptions.Item>
            <Descriptions.Item label={t('ds.f.format')}>
              {[e.format && label('dse.format', e.format), e.max_length ? `≤ ${e.max_length}` : null].filter(Boolean).join(' · ') || '—'}
            </Descriptions.Item>
            <Descriptions.Item label={t('ds.f.codeList')}>
              {e.code_list ? (
                <Link to={`/code-lists/${e.code_list}`}>
                  {e.code_list}
                  {e.code_list_level ? ` (${e.code_list_level})` : ''}
                </Link>
              ) : (
                '—'
              )}
            </Descriptions.Item>
            <Descriptions.Item label={t('catalog.col.status')}>{label('dict.status', e.status)}</Descriptions.Item>
            <Descriptions.Item label={t('ds.s.updated')}>
              {formatDateTime(e.updated_at)} (v{e.version})
            </Descriptions.Item>
            {description && (
              <Descriptions.Item label={t('ds.description')} span={2}>
                {description}
              </Descriptions.Item>
            )}
          </Descriptions>
        </Card>
        {coordinator && (
          <Card title={<Title>{t('dict.editTitle')}</Title>}>
            <DictionaryForm
              key={e.version}
              editing
              initial={toValues(e)}
              submitting={save.isPending}
              error={save.isError && <ProblemAlert error={save.error} testId="term-error" />}
              onSubmit={(v) => save.mutate(v)}
            />
          </Card>
        )}
        <HistoryCard
          title={t('ds.history')}
          testId="term-history"
          queryKey={['dictionary-history', name]}
          load={async () => unwrap(await api.GET('/api/v1/dictionary/{name}/history', { params: { path: { name } } }))}
        />
      </Flex>
    </>
  );
}

function toValues(e: Entry): EntryValues {
  return {
    name: e.name,
    label_vi: e.label_vi,
    label_en: e.label_en,
    description_vi: e.description_vi,
    description_en: e.description_en,
    type: e.type as EntryValues['type'],
    format: e.format as EntryValues['format'],
    max_length: e.max_length,
    personal: e.personal as EntryValues['personal'],
    code_list: e.code_list,
    code_list_level: e.code_list_level,
    parent_field: e.parent_field,
    status: e.status as EntryValues['status'],
  };
}
