import { useQuery } from '@tanstack/react-query';
import { Table, Typography } from 'antd';
import type { TableProps } from 'antd';
import { api, unwrap } from '../../api/client.ts';
import type { paths } from '../../api/schema.d.ts';
import { agencyCodeOf, useSession } from '../../auth/session.tsx';
import { type MessageKey, useI18n } from '../../i18n/index.tsx';
import { formatDateTime } from '../../time.ts';
import { EmptyState, LoadError } from '../States.tsx';
import { Pill } from './Pill.tsx';

export type Agency = paths['/api/v1/agencies']['get']['responses'][200]['content']['application/json']['items'][number];
export type System = paths['/api/v1/systems']['get']['responses'][200]['content']['application/json']['items'][number];
export type User = paths['/api/v1/users']['get']['responses'][200]['content']['application/json']['items'][number];
export type Role = NonNullable<NonNullable<paths['/api/v1/users']['get']['parameters']['query']>['role']>;
export type Change = paths['/api/v1/agencies/{code}/history']['get']['responses'][200]['content']['application/json'][number];
export type AgencyKind = NonNullable<NonNullable<paths['/api/v1/agencies']['get']['parameters']['query']>['kind']>;

export const ROLES: Role[] = ['coordinator', 'custodian_admin', 'consumer_admin', 'approver', 'auditor', 'analyst'];
export const AGENCY_KINDS: AgencyKind[] = [
  'party_leadership',
  'party_central_body',
  'party_committee_central',
  'provincial_party_committee',
  'grassroots_party_org',
  'party_unit',
  'state_body',
  'other',
];
export const PAGE_SIZE = 20;
/** The Central Party Office: its approvers record security-level decisions with the coordinator. */
const COORDINATOR_AGENCY = 'VPTW';
const STATUS_COLOR: Record<string, string> = { active: 'green', pending: 'gold', disabled: 'default', suspended: 'orange', retired: 'default' };

/** The If-Match header an edit sends: the version it was based on (a 412 if it changed meanwhile). */
export const ifMatch = (version: number) => ({ 'if-match': `"${version}"` });

export function useAgencies() {
  return useQuery({
    queryKey: ['agencies', 'all'],
    queryFn: async () => {
      const all: Agency[] = [];
      for (let offset = 0; ; offset += 200) {
        const page = unwrap(await api.GET('/api/v1/agencies', { params: { query: { limit: 200, offset } } }));
        all.push(...page.items);
        if (all.length >= page.total || page.items.length === 0) return all;
      }
    },
    staleTime: 60_000,
  });
}

/** What the signed-in official may do in the registry (the API decides again). */
export function useRegistryRights() {
  const { session } = useSession();
  const user = session!.user;
  const agency = agencyCodeOf(user);
  const coordinator = user.roles.includes('coordinator');
  return {
    agency,
    coordinator,
    /** Agency administrators register and edit their own agency's systems. */
    managesSystems: coordinator || user.roles.includes('custodian_admin') || user.roles.includes('consumer_admin'),
    decidesLevels: coordinator || (agency === COORDINATOR_AGENCY && user.roles.includes('approver')),
  };
}

export function StatusTag({ status }: { status: string }) {
  const { t } = useI18n();
  return <Pill tone={STATUS_COLOR[status]}>{t(`registry.status.${status}` as MessageKey) ?? status}</Pill>;
}

const show = (v: unknown) => (v === null || v === undefined ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v));

/** A change history (GET …/history): who changed what, when, field by field. */
export function HistoryTable({
  data,
  error,
  loading,
  retry,
  testId,
}: {
  data: Change[] | undefined;
  error: unknown;
  loading: boolean;
  retry: () => void;
  testId: string;
}) {
  const { t } = useI18n();
  if (error) return <LoadError error={error} retry={retry} />;
  const columns: TableProps<Change>['columns'] = [
    { key: 'at', title: t('registry.h.at'), width: 140, render: (_, c) => formatDateTime(c.at) },
    { key: 'action', title: t('registry.h.action'), width: 150, render: (_, c) => t(`registry.action.${c.action}` as MessageKey) ?? c.action },
    { key: 'actor', title: t('registry.h.actor'), width: 110, dataIndex: 'actor' },
    {
      key: 'changes',
      title: t('registry.h.changes'),
      render: (_, c) => (
        <ul style={{ margin: 0, paddingInlineStart: 16 }}>
          {Object.entries(c.changes)
            .slice(0, 10)
            .map(([k, v]) => (
              <li key={k}>
                <Typography.Text code>{k}</Typography.Text>: {show(v.from).slice(0, 60)} → {show(v.to).slice(0, 60)}
              </li>
            ))}
        </ul>
      ),
    },
    { key: 'reason', title: t('registry.h.reason'), width: 130, render: (_, c) => c.reason ?? '—' },
  ];
  return (
    <Table<Change>
      rowKey="id"
      data-testid={testId}
      size="small"
      columns={columns}
      dataSource={data ?? []}
      loading={loading}
      pagination={{ pageSize: 10, showSizeChanger: false, hideOnSinglePage: true }}
      locale={{ emptyText: loading ? ' ' : <EmptyState /> }}
    />
  );
}
