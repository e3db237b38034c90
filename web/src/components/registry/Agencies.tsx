import { useMemo, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Button, Card, Col, Descriptions, Flex, Row, Tree, Typography } from 'antd';
import type { TreeDataNode } from 'antd';
import { api, unwrap } from '../../api/client.ts';
import { type MessageKey, useI18n } from '../../i18n/index.tsx';
import { EmptyState, LoadError, Loading } from '../States.tsx';
import { AgencyForm } from './AgencyForm.tsx';
import { Pill } from './Pill.tsx';
import { type Agency, HistoryTable, StatusTag, useAgencies, useRegistryRights } from './shared.tsx';

const heading = (text: string) => <h2 style={{ fontSize: 16, margin: 0 }}>{text}</h2>;

/** One agency: its details, the coordinator's edit button, and its change history. */
function AgencyDetail({ agency, onEdit }: { agency: Agency; onEdit: (() => void) | null }) {
  const { t, lang } = useI18n();
  const history = useQuery({
    queryKey: ['agency-history', agency.code, agency.version],
    queryFn: async () => unwrap(await api.GET('/api/v1/agencies/{code}/history', { params: { path: { code: agency.code } } })),
  });
  const parent = agency.parent_code ?? '—';
  return (
    <Card
      title={heading(t('registry.agencies.detail', { code: agency.code }))}
      extra={onEdit && <Button onClick={onEdit}>{t('registry.agencies.edit')}</Button>}
      data-testid="agency-detail"
    >
      <Descriptions
        size="small"
        column={1}
        bordered
        items={[
          { key: 'name', label: t('registry.col.name'), children: lang === 'vi' ? agency.name_vi : agency.name_en },
          { key: 'kind', label: t('registry.field.kind'), children: t(`registry.kind.${agency.kind}` as MessageKey) ?? agency.kind },
          { key: 'parent', label: t('registry.field.parent'), children: parent },
          { key: 'status', label: t('registry.field.status'), children: <StatusTag status={agency.status} /> },
        ]}
      />
      <Typography.Title level={3} style={{ fontSize: 15, margin: '16px 0 8px' }}>
        {t('registry.history')}
      </Typography.Title>
      <HistoryTable testId="agency-history" data={history.data} error={history.error} loading={history.isFetching} retry={() => void history.refetch()} />
    </Card>
  );
}

/** Agencies as a tree: central bodies with the provincial committees under them (parent_code). */
export function Agencies() {
  const { t, lang } = useI18n();
  const { coordinator } = useRegistryRights();
  const agencies = useAgencies();
  const [selected, setSelected] = useState<string | null>(null);
  const [form, setForm] = useState<'new' | 'edit' | null>(null);
  const tree = useMemo<TreeDataNode[]>(() => {
    const list = agencies.data ?? [];
    const codes = new Set(list.map((a) => a.code));
    const byParent = new Map<string | null, Agency[]>();
    for (const a of list) {
      const parent = a.parent_code && codes.has(a.parent_code) ? a.parent_code : null;
      byParent.set(parent, [...(byParent.get(parent) ?? []), a]);
    }
    const build = (parent: string | null): TreeDataNode[] =>
      (byParent.get(parent) ?? [])
        .sort((x, y) => x.code.localeCompare(y.code))
        .map((a) => ({
          key: a.code,
          title: (
            <span data-testid={`agency-${a.code}`}>
              <Typography.Text code>{a.code}</Typography.Text> {lang === 'vi' ? a.name_vi : a.name_en}{' '}
              {a.central_office && <Pill tone="red">{t('registry.agencies.central')}</Pill>}
              {a.status === 'retired' && <Pill>{t('registry.agencies.retired')}</Pill>}
            </span>
          ),
          children: build(a.code),
        }));
    return build(null);
  }, [agencies.data, lang, t]);
  if (agencies.isError) return <LoadError error={agencies.error} retry={() => void agencies.refetch()} />;
  if (agencies.isPending) return <Loading />;
  const current = agencies.data.find((a) => a.code === selected);

  return (
    <>
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={12}>
          <Card title={heading(t('registry.agencies.tree'))}>
            {coordinator && (
              <Button type="primary" style={{ marginBottom: 12 }} onClick={() => setForm('new')}>
                {t('registry.agencies.add')}
              </Button>
            )}
            {tree.length === 0 ? (
              <EmptyState />
            ) : (
              <Tree
                key={agencies.data.length /* a new agency: mount again, expanded */}
                treeData={tree}
                defaultExpandAll
                selectedKeys={selected ? [selected] : []}
                onSelect={(keys) => keys[0] !== undefined && setSelected(String(keys[0]))}
                aria-label={t('registry.agencies.tree')}
                data-testid="agency-tree"
              />
            )}
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          {current ? (
            <AgencyDetail agency={current} onEdit={coordinator ? () => setForm('edit') : null} />
          ) : (
            <Card>
              <Flex justify="center">
                <Typography.Text type="secondary">{t('registry.agencies.pick')}</Typography.Text>
              </Flex>
            </Card>
          )}
        </Col>
      </Row>
      <AgencyForm
        open={form !== null}
        agency={form === 'edit' ? current : undefined}
        onClose={() => setForm(null)}
        onSaved={(code) => {
          setForm(null);
          setSelected(code);
        }}
      />
    </>
  );
}
