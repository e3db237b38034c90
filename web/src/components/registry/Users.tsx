import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App as AntApp, Alert, Button, Card, Flex, Form, Input, Modal, Select, Space, Table, Typography } from 'antd';
import type { TableProps } from 'antd';
import { api, problemMessage, unwrap } from '../../api/client.ts';
import type { paths } from '../../api/schema.d.ts';
import { type MessageKey, useI18n } from '../../i18n/index.tsx';
import { formatDateTime } from '../../time.ts';
import { EmptyState, LoadError } from '../States.tsx';
import { Pill } from './Pill.tsx';
import { PAGE_SIZE, ROLES, type Role, StatusTag, type User, ifMatch, useAgencies, useRegistryRights } from './shared.tsx';
import { UserRolesModal } from './UserRolesModal.tsx';

type Invited = paths['/api/v1/users']['post']['responses'][201]['content']['application/json'];

/** The enrolment link, once: a copy button; no password, no TOTP secret. */
function LinkModal({ invited, onClose }: { invited: Invited | null; onClose: () => void }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState(false);
  return (
    <Modal
      open={!!invited}
      title={invited ? t('registry.link.title', { name: invited.user.full_name }) : ''}
      onCancel={() => {
        setCopied(false);
        onClose();
      }}
      footer={
        <Button
          type="primary"
          onClick={() => {
            setCopied(false);
            onClose();
          }}
        >
          {t('registry.ok')}
        </Button>
      }
      destroyOnHidden
    >
      {invited && (
        <Space direction="vertical" style={{ width: '100%' }}>
          <Typography.Paragraph>{t('registry.link.help', { at: formatDateTime(invited.enrolment.expires_at) })}</Typography.Paragraph>
          <label htmlFor="enrolment-link">{t('registry.link.label')}</label>
          <Space.Compact style={{ width: '100%' }}>
            <Input id="enrolment-link" readOnly value={invited.enrolment.url} data-testid="enrolment-link" onFocus={(e) => e.target.select()} />
            <Button
              onClick={async () => {
                try {
                  await navigator.clipboard.writeText(invited.enrolment.url);
                  setCopied(true);
                } catch {
                  (document.getElementById('enrolment-link') as HTMLInputElement | null)?.select();
                }
              }}
            >
              {copied ? t('registry.link.copied') : t('registry.link.copy')}
            </Button>
          </Space.Compact>
        </Space>
      )}
    </Modal>
  );
}

interface InviteForm {
  username: string;
  full_name: string;
  email?: string;
  agency_code: string;
  roles: Role[];
}

/** Invite, reset credentials, disable or enable, change roles: the coordinator's; others read. */

export function Users() {
  const { t, lang } = useI18n();
  const { message, modal } = AntApp.useApp();
  const isCoordinator = useRegistryRights().coordinator;
  const queryClient = useQueryClient();
  const [params, setParams] = useSearchParams();
  const agency = params.get('agency') ?? undefined;
  const role = (params.get('role') ?? undefined) as Role | undefined;
  const [page, setPage] = useState(1);
  const [inviteOpen, setInviteOpen] = useState(false);
  const [invited, setInvited] = useState<Invited | null>(null);
  const [resetFor, setResetFor] = useState<User | null>(null);
  const [rolesFor, setRolesFor] = useState<User | null>(null);
  const [inviteForm] = Form.useForm<InviteForm>();
  const [resetForm] = Form.useForm<{ reason: string }>();
  const agencies = useAgencies();
  const query = { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE, ...(agency && { agency }), ...(role && { role }) };
  const list = useQuery({
    queryKey: ['users', query],
    queryFn: async () => unwrap(await api.GET('/api/v1/users', { params: { query } })),
    placeholderData: keepPreviousData,
  });
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['users'] });
  const roleLabel = (r: string) => t(`role.${r}` as MessageKey) ?? r;

  const invite = useMutation({
    mutationFn: async (v: InviteForm) => unwrap(await api.POST('/api/v1/users', { body: { ...v, email: v.email || null } })),
    onSuccess: (data) => {
      setInviteOpen(false);
      inviteForm.resetFields();
      setInvited(data);
      refresh();
    },
  });
  const reset = useMutation({
    mutationFn: async ({ username, reason }: { username: string; reason: string }) =>
      unwrap(await api.POST('/api/v1/users/{username}/reset-credentials', { params: { path: { username } }, body: { reason } })),
    onSuccess: (data) => {
      setResetFor(null);
      resetForm.resetFields();
      setInvited(data);
      refresh();
    },
  });
  const setStatus = useMutation({
    mutationFn: async ({ user, status }: { user: User; status: 'active' | 'disabled' }) =>
      unwrap(await api.PATCH('/api/v1/users/{username}', { params: { path: { username: user.username }, header: ifMatch(user.version) }, body: { status } })),
    onSuccess: () => {
      void message.success(t('registry.done'));
      refresh();
    },
    onError: (err) => void message.error(problemMessage(err, lang, t('common.error'))),
  });

  const columns: TableProps<User>['columns'] = [
    { key: 'username', title: t('registry.col.username'), width: 160, render: (_, u) => <Typography.Text code>{u.username}</Typography.Text> },
    { key: 'name', title: t('registry.col.fullname'), dataIndex: 'full_name', width: 200 },
    { key: 'agency', title: t('registry.col.agency'), dataIndex: 'agency_code', width: 100 },
    { key: 'roles', title: t('registry.col.roles'), render: (_, u) => u.roles.map((r) => <Pill key={r}>{roleLabel(r)}</Pill>) },
    {
      key: 'mfa',
      title: t('registry.col.mfa'),
      width: 130,
      render: (_, u) => (u.mfa_enabled ? <Pill tone="green">{t('registry.mfa.on')}</Pill> : <Pill tone="gold">{t('registry.mfa.off')}</Pill>),
    },
    {
      key: 'status',
      title: t('registry.col.status'),
      width: 150,
      render: (_, u) => (
        <>
          <StatusTag status={u.status} />
          {u.locked_until && new Date(u.locked_until) > new Date() && (
            <div>
              <Pill tone="gold">{t('registry.lock.until', { time: formatDateTime(u.locked_until) })}</Pill>
            </div>
          )}
        </>
      ),
    },
    ...(isCoordinator
      ? ([
          {
            key: 'actions',
            title: t('registry.col.actions'),
            width: 300,
            render: (_: unknown, u: User) => (
              <Space wrap size="small">
                <Button size="small" onClick={() => setResetFor(u)} aria-label={`${t('registry.reset')} ${u.username}`}>
                  {t('registry.reset')}
                </Button>
                <Button size="small" onClick={() => setRolesFor(u)} aria-label={`${t('registry.roles.edit')} ${u.username}`}>
                  {t('registry.roles.edit')}
                </Button>
                {u.status === 'disabled' ? (
                  <Button size="small" onClick={() => setStatus.mutate({ user: u, status: 'active' })} aria-label={`${t('registry.enable')} ${u.username}`}>
                    {t('registry.enable')}
                  </Button>
                ) : (
                  <Button
                    size="small"
                    danger
                    style={{ color: '#a8071a', borderColor: '#a8071a' }}
                    aria-label={`${t('registry.disable')} ${u.username}`}
                    onClick={() =>
                      modal.confirm({
                        title: t('registry.disable'),
                        content: t('registry.disable.confirm', { name: u.username }),
                        okText: t('registry.disable'),
                        cancelText: t('registry.cancel'),
                        okButtonProps: { danger: true },
                        onOk: () => setStatus.mutateAsync({ user: u, status: 'disabled' }),
                      })
                    }
                  >
                    {t('registry.disable')}
                  </Button>
                )}
              </Space>
            ),
          },
        ] as TableProps<User>['columns'] & object[])
      : []),
  ];

  function update(changes: Record<string, string | undefined>) {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    setParams(next, { replace: true });
    setPage(1);
  }
  const agencyOptions = (agencies.data ?? []).map((a) => ({ value: a.code, label: `${a.code} — ${lang === 'vi' ? a.name_vi : a.name_en}` }));

  return (
    <>
      <Card style={{ marginBottom: 16 }}>
        <Flex wrap gap={16} align="flex-end" justify="space-between">
          <Form layout="vertical" role="search" aria-label={t('registry.tab.users')} onSubmitCapture={(e) => e.preventDefault()}>
            <Flex wrap gap={16}>
              <Form.Item label={t('registry.users.filter.agency')} htmlFor="users-agency" style={{ marginBottom: 0, minWidth: 240 }}>
                <Select
                  id="users-agency"
                  allowClear
                  showSearch
                  optionFilterProp="label"
                  placeholder={t('common.all')}
                  value={agency}
                  onChange={(v?: string) => update({ agency: v })}
                  options={agencyOptions}
                  popupMatchSelectWidth={false}
                />
              </Form.Item>
              <Form.Item label={t('registry.users.filter.role')} htmlFor="users-role" style={{ marginBottom: 0, minWidth: 200 }}>
                <Select
                  id="users-role"
                  allowClear
                  placeholder={t('common.all')}
                  value={role}
                  onChange={(v?: string) => update({ role: v })}
                  options={ROLES.map((r) => ({ value: r, label: roleLabel(r) }))}
                />
              </Form.Item>
            </Flex>
          </Form>
          {isCoordinator && (
            <Button type="primary" onClick={() => setInviteOpen(true)}>
              {t('registry.invite')}
            </Button>
          )}
        </Flex>
        <Typography.Paragraph type="secondary" style={{ margin: '12px 0 0' }}>
          {t('registry.lock.note')}
        </Typography.Paragraph>
      </Card>
      {list.isError ? (
        <LoadError error={list.error} retry={() => void list.refetch()} />
      ) : (
        <Table<User>
          rowKey="username"
          data-testid="users-table"
          columns={columns}
          dataSource={list.data?.items ?? []}
          loading={list.isFetching}
          locale={{ emptyText: list.isPending ? ' ' : <EmptyState text={t('registry.users.empty')} /> }}
          pagination={{
            current: page,
            pageSize: PAGE_SIZE,
            total: list.data?.total ?? 0,
            showSizeChanger: false,
            showTotal: (n) => t('common.total', { n }),
            onChange: setPage,
          }}
        />
      )}

      <Modal
        open={inviteOpen}
        title={t('registry.invite.title')}
        onCancel={() => setInviteOpen(false)}
        okText={t('registry.invite.submit')}
        cancelText={t('registry.cancel')}
        confirmLoading={invite.isPending}
        onOk={() => inviteForm.submit()}
        destroyOnHidden
      >
        <Typography.Paragraph type="secondary">{t('registry.invite.help')}</Typography.Paragraph>
        {invite.isError && (
          <Alert type="error" showIcon style={{ marginBottom: 12 }} title={problemMessage(invite.error, lang, t('common.error'))} data-testid="invite-error" />
        )}
        <Form<InviteForm> form={inviteForm} layout="vertical" onFinish={(v) => invite.mutate(v)} name="invite">
          <Form.Item
            name="username"
            label={t('registry.col.username')}
            rules={[{ required: true, message: t('registry.required', { field: t('registry.col.username') }) }]}
          >
            <Input autoComplete="off" />
          </Form.Item>
          <Form.Item
            name="full_name"
            label={t('registry.col.fullname')}
            rules={[{ required: true, message: t('registry.required', { field: t('registry.col.fullname') }) }]}
          >
            <Input autoComplete="off" />
          </Form.Item>
          <Form.Item name="email" label={t('registry.invite.email')}>
            <Input type="email" autoComplete="off" />
          </Form.Item>
          <Form.Item
            name="agency_code"
            label={t('registry.col.agency')}
            rules={[{ required: true, message: t('registry.required', { field: t('registry.col.agency') }) }]}
          >
            <Select showSearch optionFilterProp="label" options={agencyOptions} loading={agencies.isPending} />
          </Form.Item>
          <Form.Item
            name="roles"
            label={t('registry.col.roles')}
            rules={[{ required: true, message: t('registry.required', { field: t('registry.col.roles') }) }]}
          >
            <Select mode="multiple" options={ROLES.map((r) => ({ value: r, label: roleLabel(r) }))} />
          </Form.Item>
        </Form>
      </Modal>

      <Modal
        open={!!resetFor}
        title={resetFor ? t('registry.reset.title', { name: resetFor.username }) : ''}
        onCancel={() => setResetFor(null)}
        okText={t('registry.reset.submit')}
        cancelText={t('registry.cancel')}
        confirmLoading={reset.isPending}
        onOk={() => resetForm.submit()}
        destroyOnHidden
      >
        {reset.isError && <Alert type="error" showIcon style={{ marginBottom: 12 }} title={problemMessage(reset.error, lang, t('common.error'))} />}
        <Form form={resetForm} layout="vertical" name="reset" onFinish={(v) => resetFor && reset.mutate({ username: resetFor.username, reason: v.reason })}>
          <Form.Item
            name="reason"
            label={t('registry.reset.reason')}
            rules={[{ required: true, min: 3, message: t('registry.required', { field: t('registry.reset.reason') }) }]}
          >
            <Input.TextArea rows={3} />
          </Form.Item>
        </Form>
      </Modal>

      <LinkModal invited={invited} onClose={() => setInvited(null)} />
      <UserRolesModal
        user={rolesFor}
        onClose={() => setRolesFor(null)}
        onSaved={() => {
          setRolesFor(null);
          refresh();
        }}
      />
    </>
  );
}
