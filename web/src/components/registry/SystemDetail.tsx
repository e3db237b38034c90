import { useQuery } from '@tanstack/react-query';
import { Alert, Button, Descriptions, Drawer, Space, Typography } from 'antd';
import { api, unwrap } from '../../api/client.ts';
import { type MessageKey, useI18n } from '../../i18n/index.tsx';
import { formatDate } from '../../time.ts';
import { LoadError, Loading } from '../States.tsx';
import { Pill } from './Pill.tsx';
import { SecurityDecisionForm } from './SecurityDecisionForm.tsx';
import { HistoryTable, StatusTag, type System, useRegistryRights } from './shared.tsx';

const level = (t: ReturnType<typeof useI18n>['t'], n: number | null) => (n === null ? t('registry.level.none') : t('registry.level', { n }));

/** made visible: the declared level, the approved one, the one in effect and the decision behind it. */
function Levels({ system }: { system: System }) {
  const { t, lang } = useI18n();
  const d = system.security_level_decision;
  return (
    <>
      <Descriptions
        size="small"
        column={1}
        bordered
        data-testid="system-levels"
        items={[
          {
            key: 'declared',
            label: t('registry.level.declared'),
            children: (
              <Space size={4}>
                {level(t, system.security_level)}
                {system.security_level_pending && <Pill tone="gold">{t('registry.level.pending')}</Pill>}
              </Space>
            ),
          },
          { key: 'approved', label: t('registry.level.approved'), children: level(t, system.approved_security_level) },
          { key: 'effective', label: t('registry.level.effective'), children: level(t, system.effective_security_level) },
          {
            key: 'decision',
            label: t('registry.decision'),
            children: d
              ? t('registry.decision.summary', { number: d.decision_number, date: formatDate(d.decided_on), issuer: d.issuer, document: d.document_reference })
              : t('registry.decision.none'),
          },
          {
            key: 'sharing',
            label: t('registry.col.sharing'),
            children: system.sharing_refusal ? (
              <span data-testid="system-refusal">
                <Pill tone="red">{system.sharing_refusal.rule}</Pill>
                {lang === 'vi' ? system.sharing_refusal.reason : system.sharing_refusal.reason_en}
              </span>
            ) : (
              <Pill tone="green">{t('registry.sharing.yes')}</Pill>
            ),
          },
        ]}
      />
      <Typography.Paragraph type="secondary" style={{ marginTop: 8 }}>
        {t('registry.level.note')}
      </Typography.Paragraph>
    </>
  );
}

/** One system in a drawer: identity, levels, the decision form for those who decide, the history. */
export function SystemDetail({ code, onClose, onEdit }: { code: string | null; onClose: () => void; onEdit: (s: System) => void }) {
  const { t, lang } = useI18n();
  const rights = useRegistryRights();
  const system = useQuery({
    queryKey: ['system', code],
    queryFn: async () => unwrap(await api.GET('/api/v1/systems/{code}', { params: { path: { code: code! } } })),
    enabled: code !== null,
  });
  const history = useQuery({
    queryKey: ['system', code, 'history', system.data?.version],
    queryFn: async () => unwrap(await api.GET('/api/v1/systems/{code}/history', { params: { path: { code: code! } } })),
    enabled: code !== null && system.data !== undefined,
  });
  const s = system.data;
  const canEdit = !!s && (rights.coordinator || (rights.managesSystems && s.agency_code === rights.agency));
  return (
    <Drawer
      open={code !== null}
      onClose={onClose}
      width={760}
      title={code ? t('registry.systems.detail', { code }) : ''}
      extra={canEdit && s && <Button onClick={() => onEdit(s)}>{t('registry.systems.edit')}</Button>}
      destroyOnHidden
    >
      {system.isError ? (
        <LoadError error={system.error} retry={() => void system.refetch()} />
      ) : !s ? (
        <Loading />
      ) : (
        <div data-testid="system-detail">
          <Descriptions
            size="small"
            column={1}
            bordered
            style={{ marginBottom: 16 }}
            items={[
              { key: 'name', label: t('registry.col.name'), children: lang === 'vi' ? s.name_vi : s.name_en },
              { key: 'agency', label: t('registry.col.agency'), children: s.agency_code },
              { key: 'zone', label: t('registry.col.zone'), children: t(`registry.zone.${s.zone}` as MessageKey) ?? s.zone },
              { key: 'url', label: t('registry.field.base_url'), children: s.base_url ?? '—' },
              {
                key: 'key',
                label: t('registry.col.keys'),
                children: s.encryption_key ? `${t('registry.keys.yes')} (${s.encryption_key.kty})` : t('registry.keys.no'),
              },
              { key: 'status', label: t('registry.col.status'), children: <StatusTag status={s.status} /> },
            ]}
          />
          <Levels system={s} />
          {s.security_level_pending && rights.decidesLevels && <Alert type="warning" showIcon title={t('registry.level.pending')} />}
          {rights.decidesLevels && <SecurityDecisionForm system={s} />}
          <Typography.Title level={3} style={{ fontSize: 15, margin: '16px 0 8px' }}>
            {t('registry.history')}
          </Typography.Title>
          <HistoryTable testId="system-history" data={history.data} error={history.error} loading={history.isFetching} retry={() => void history.refetch()} />
        </div>
      )}
    </Drawer>
  );
}
