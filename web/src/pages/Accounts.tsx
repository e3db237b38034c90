import { useState } from 'react';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Card, Flex, Form, Input, InputNumber, Modal, Radio, Select, Space, Table, Tabs, Typography } from 'antd';
import type { TableProps } from 'antd';
import { api, unwrap } from '../api/client.ts';
import type { paths } from '../api/schema.d.ts';
import { agencyCodeOf, useSession } from '../auth/session.tsx';
import { ProblemAlert } from '../components/accounts/ProblemAlert.tsx';
import { AccessibleColours, StatusTag } from '../components/accounts/StatusTag.tsx';
import { EmptyState, LoadError } from '../components/States.tsx';
import { type MessageKey, useI18n } from '../i18n/index.tsx';
import { formatDateTime } from '../time.ts';

type Account = paths['/api/v1/accounts']['get']['responses'][200]['content']['application/json']['items'][number];
type Delegation = paths['/api/v1/delegations']['get']['responses'][200]['content']['application/json']['items'][number];
type Jwks = { keys: Record<string, unknown>[] };
const PAGE_SIZE = 20;
const ADMIN_ROLES = ['custodian_admin', 'consumer_admin', 'coordinator'];

/** A JWKS typed or loaded from a file: parsed here, checked by the API (public keys only, 400 with every fault). */
function parseJwks(text: string): Jwks | null {
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' && Array.isArray((v as Jwks).keys) ? (v as Jwks) : null;
  } catch {
    return null;
  }
}

/** The JSON text area with a file picker beside it (the file's text fills the area). */
function JwksField({ id, value, onChange }: { id: string; value?: string; onChange?: (v: string) => void }) {
  const { t } = useI18n();
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Input.TextArea
        id={id}
        rows={6}
        value={value}
        onChange={(e) => onChange?.(e.target.value)}
        placeholder='{"keys": [{"kty": "EC", "crv": "P-256", …}]}'
        style={{ fontFamily: 'monospace' }}
      />
      <label>
        {t('accounts.jwks.file')}{' '}
        <input
          type="file"
          accept=".json,application/json"
          aria-label={t('accounts.jwks.file')}
          onChange={async (e) => {
            const f = e.target.files?.[0];
            if (f) onChange?.(await f.text());
          }}
        />
      </label>
    </Space>
  );
}

/** The secret, shown once: copy button and warning. It lives only in this component's state. */
function SecretOnce({ secret, clientId }: { secret: string; clientId: string }) {
  const { t } = useI18n();
  return (
    <Space direction="vertical" style={{ width: '100%' }} data-testid="secret-once">
      <Alert type="warning" showIcon title={t('accounts.secret.warning')} />
      <div>
        <Typography.Text strong>{t('accounts.col.client_id')}: </Typography.Text>
        <Typography.Text code copyable={{ text: clientId, tooltips: [t('accounts.copy'), t('accounts.copied')] }}>
          {clientId}
        </Typography.Text>
      </div>
      <div>
        <Typography.Text strong>{t('accounts.secret')}: </Typography.Text>
        <Typography.Text code data-testid="client-secret" copyable={{ text: secret, tooltips: [t('accounts.copy'), t('accounts.copied')] }}>
          {secret}
        </Typography.Text>
      </div>
    </Space>
  );
}

export default function Accounts() {
  const { t } = useI18n();
  return (
    <AccessibleColours>
      <Typography.Title level={1} style={{ fontSize: 24, marginTop: 0 }}>
        {t('accounts.title')}
      </Typography.Title>
      <Tabs
        items={[
          { key: 'accounts', label: t('accounts.tab.accounts'), children: <AccountList /> },
          { key: 'delegations', label: t('accounts.tab.delegations'), children: <DelegationList /> },
        ]}
      />
    </AccessibleColours>
  );
}

type Action = { kind: 'rotate' | 'jwks' | 'revoke'; account: Account } | null;

function AccountList() {
  const { t } = useI18n();
  const { session } = useSession();
  const user = session!.user;
  const agency = agencyCodeOf(user);
  const canIssue = user.roles.some((r) => ADMIN_ROLES.includes(r));
  const qc = useQueryClient();
  const [page, setPage] = useState(1);
  const [status, setStatus] = useState<'active' | 'revoked' | undefined>();
  const [creating, setCreating] = useState(false);
  const [action, setAction] = useState<Action>(null);
  const [shown, setShown] = useState<{ secret: string; clientId: string } | null>(null);

  const query = { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE, ...(status && { status }) };
  const list = useQuery({
    queryKey: ['accounts', query],
    queryFn: async () => unwrap(await api.GET('/api/v1/accounts', { params: { query } })),
    placeholderData: keepPreviousData,
  });
  const refresh = () => qc.invalidateQueries({ queryKey: ['accounts'] });

  const columns: TableProps<Account>['columns'] = [
    { key: 'client_id', title: t('accounts.col.client_id'), width: 240, render: (_, a) => <Typography.Text code>{a.client_id}</Typography.Text> },
    { key: 'name', title: t('accounts.col.name'), dataIndex: 'name' },
    { key: 'system', title: t('accounts.col.system'), dataIndex: 'system_code', width: 140 },
    { key: 'method', title: t('accounts.col.method'), width: 150, render: (_, a) => t(`accounts.method.${a.auth_method}` as MessageKey) },
    {
      key: 'status',
      title: t('accounts.col.status'),
      width: 110,
      render: (_, a) => <StatusTag tone={a.status === 'active' ? 'good' : 'off'}>{t(`accounts.status.${a.status}` as MessageKey)}</StatusTag>,
    },
    { key: 'created', title: t('accounts.col.created'), width: 150, responsive: ['xl'], render: (_, a) => formatDateTime(a.created_at) },
    {
      key: 'actions',
      title: t('accounts.col.actions'),
      width: 260,
      render: (_, a) =>
        a.status !== 'active' || !canIssue ? null : (
          <Space wrap size="small">
            {a.auth_method === 'client_secret' && (
              <Button size="small" onClick={() => setAction({ kind: 'rotate', account: a })}>
                {t('accounts.rotate')}
              </Button>
            )}
            {a.auth_method === 'private_key_jwt' && (
              <Button size="small" onClick={() => setAction({ kind: 'jwks', account: a })}>
                {t('accounts.jwks.replace')}
              </Button>
            )}
            <Button size="small" danger onClick={() => setAction({ kind: 'revoke', account: a })}>
              {t('accounts.revoke')}
            </Button>
          </Space>
        ),
    },
  ];

  return (
    <>
      {shown && (
        <Card
          title={t('accounts.secret.title')}
          style={{ marginBottom: 16 }}
          extra={<Button onClick={() => setShown(null)}>{t('accounts.secret.done')}</Button>}
        >
          <SecretOnce secret={shown.secret} clientId={shown.clientId} />
        </Card>
      )}
      <Flex wrap gap={16} align="flex-end" style={{ marginBottom: 16 }}>
        <Form layout="vertical" style={{ flex: '0 1 220px' }}>
          <Form.Item label={t('accounts.filter.status')} htmlFor="accounts-status" style={{ marginBottom: 0 }}>
            <Select
              id="accounts-status"
              allowClear
              placeholder={t('common.all')}
              value={status}
              onChange={(v) => {
                setStatus(v);
                setPage(1);
              }}
              options={(['active', 'revoked'] as const).map((s) => ({ value: s, label: t(`accounts.status.${s}`) }))}
            />
          </Form.Item>
        </Form>
        <div style={{ flex: 1 }} />
        {canIssue && (
          <Button type="primary" onClick={() => setCreating(true)}>
            {t('accounts.create')}
          </Button>
        )}
      </Flex>
      {list.isError ? (
        <LoadError error={list.error} retry={() => void list.refetch()} />
      ) : (
        <Table<Account>
          rowKey="client_id"
          data-testid="accounts-table"
          columns={columns}
          dataSource={list.data?.items ?? []}
          loading={list.isFetching}
          locale={{ emptyText: list.isPending ? ' ' : <EmptyState text={t('accounts.empty')} /> }}
          scroll={{ x: 1000 }}
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
      {creating && (
        <CreateAccount
          agency={agency}
          onClose={() => setCreating(false)}
          onCreated={(clientId, secret) => {
            setCreating(false);
            void refresh();
            if (secret) setShown({ clientId, secret });
          }}
        />
      )}
      {action?.kind === 'rotate' && (
        <RotateSecret
          account={action.account}
          onClose={() => setAction(null)}
          onDone={(secret) => {
            setAction(null);
            void refresh();
            setShown({ clientId: action.account.client_id, secret });
          }}
        />
      )}
      {action?.kind === 'jwks' && (
        <ReplaceJwks
          account={action.account}
          onClose={() => setAction(null)}
          onDone={() => {
            setAction(null);
            void refresh();
          }}
        />
      )}
      {action?.kind === 'revoke' && (
        <RevokeAccount
          account={action.account}
          onClose={() => setAction(null)}
          onDone={() => {
            setAction(null);
            void refresh();
          }}
        />
      )}
    </>
  );
}

function CreateAccount({ agency, onClose, onCreated }: { agency: string; onClose(): void; onCreated(clientId: string, secret?: string): void }) {
  const { t, lang } = useI18n();
  const [form] = Form.useForm();
  const method = Form.useWatch('auth_method', form) as string | undefined;
  const delegationId = Form.useWatch('delegation_id', form) as string | undefined;
  // an intermediary operator issues under a live delegation made to its agency, for any agency's consumer system.
  const delegations = useQuery({
    queryKey: ['delegations', 'operator', agency],
    queryFn: async () => unwrap(await api.GET('/api/v1/delegations', { params: { query: { operator: agency, status: 'active', limit: 200, offset: 0 } } })),
  });
  const systems = useQuery({
    queryKey: ['systems', delegationId ? '*' : agency],
    queryFn: async () =>
      unwrap(await api.GET('/api/v1/systems', { params: { query: { ...(!delegationId && { agency }), status: 'active', limit: 200, offset: 0 } } })),
  });
  const create = useMutation({
    mutationFn: async (v: { system_code: string; name: string; auth_method: 'client_secret' | 'private_key_jwt'; jwks?: string; delegation_id?: string }) => {
      const jwks = v.auth_method === 'private_key_jwt' && v.jwks ? parseJwks(v.jwks) : undefined;
      return unwrap(
        await api.POST('/api/v1/accounts', {
          body: {
            system_code: v.system_code,
            name: v.name,
            auth_method: v.auth_method,
            ...(jwks && { jwks }),
            ...(v.delegation_id && { delegation_id: v.delegation_id }),
          },
        }),
      );
    },
    onSuccess: (r) => onCreated(r.account.client_id, r.client_secret),
  });
  const items = systems.data?.items ?? [];
  const offered = delegations.data?.items ?? [];
  return (
    <Modal
      open
      title={t('accounts.create')}
      onCancel={onClose}
      okText={t('accounts.create.submit')}
      cancelText={t('accounts.cancel')}
      onOk={() => form.submit()}
      confirmLoading={create.isPending}
      destroyOnHidden
    >
      <Form form={form} layout="vertical" initialValues={{ auth_method: 'client_secret' }} onFinish={(v) => create.mutate(v)}>
        {offered.length > 0 && (
          <Form.Item name="delegation_id" label={t('accounts.delegation')} htmlFor="account-delegation" extra={t('accounts.delegation.help')}>
            <Select
              id="account-delegation"
              allowClear
              placeholder={t('accounts.delegation.none')}
              onChange={() => form.setFieldValue('system_code', undefined)}
              options={offered.map((d) => ({ value: d.id, label: t('accounts.delegation.of', { custodian: d.custodian_code }) }))}
            />
          </Form.Item>
        )}
        <Form.Item
          name="system_code"
          label={t('accounts.col.system')}
          htmlFor="account-system"
          rules={[{ required: true, message: t('accounts.required') }]}
          extra={delegationId ? undefined : t('accounts.system.help', { agency })}
        >
          <Select
            id="account-system"
            showSearch
            optionFilterProp="label"
            loading={systems.isPending}
            options={items.map((s) => ({ value: s.code, label: `${s.code} — ${lang === 'vi' ? s.name_vi : s.name_en}` }))}
          />
        </Form.Item>
        <Form.Item name="name" label={t('accounts.col.name')} htmlFor="account-name" rules={[{ required: true, message: t('accounts.required') }]}>
          <Input id="account-name" maxLength={200} />
        </Form.Item>
        <Form.Item name="auth_method" label={t('accounts.col.method')}>
          <Radio.Group
            options={[
              { value: 'client_secret', label: t('accounts.method.client_secret') },
              { value: 'private_key_jwt', label: t('accounts.method.private_key_jwt') },
            ]}
          />
        </Form.Item>
        {method === 'private_key_jwt' && (
          <Form.Item
            name="jwks"
            label={t('accounts.jwks')}
            htmlFor="account-jwks"
            rules={[
              { required: true, message: t('accounts.required') },
              {
                validator: async (_, v: string) => {
                  if (v && !parseJwks(v)) throw new Error(t('accounts.jwks.invalid'));
                },
              },
            ]}
          >
            <JwksField id="account-jwks" />
          </Form.Item>
        )}
      </Form>
      {create.isError && <ProblemAlert error={create.error} testId="account-error" />}
    </Modal>
  );
}

function ReasonItem() {
  const { t } = useI18n();
  return (
    <Form.Item name="reason" label={t('accounts.reason')} htmlFor="action-reason" rules={[{ required: true, min: 3, message: t('accounts.reason.min') }]}>
      <Input.TextArea id="action-reason" rows={2} maxLength={500} />
    </Form.Item>
  );
}

function RotateSecret({ account, onClose, onDone }: { account: Account; onClose(): void; onDone(secret: string): void }) {
  const { t } = useI18n();
  const [form] = Form.useForm();
  const m = useMutation({
    mutationFn: async (v: { reason: string; grace_hours?: number }) =>
      unwrap(
        await api.POST('/api/v1/accounts/{client_id}/rotate-secret', {
          params: { path: { client_id: account.client_id } },
          body: { reason: v.reason, ...(v.grace_hours != null && { grace_seconds: Math.round(v.grace_hours * 3600) }) },
        }),
      ),
    onSuccess: (r) => onDone(r.client_secret),
  });
  return (
    <Modal
      open
      title={`${t('accounts.rotate')}: ${account.name}`}
      onCancel={onClose}
      okText={t('accounts.rotate')}
      cancelText={t('accounts.cancel')}
      onOk={() => form.submit()}
      confirmLoading={m.isPending}
      destroyOnHidden
    >
      <Form form={form} layout="vertical" initialValues={{ grace_hours: 24 }} onFinish={(v) => m.mutate(v)}>
        <Paragraph text={t('accounts.rotate.help')} />
        <Form.Item name="grace_hours" label={t('accounts.rotate.grace')} htmlFor="rotate-grace">
          <InputNumber id="rotate-grace" min={0} max={168} />
        </Form.Item>
        <ReasonItem />
      </Form>
      {m.isError && <ProblemAlert error={m.error} />}
    </Modal>
  );
}

function Paragraph({ text }: { text: string }) {
  return <Typography.Paragraph type="secondary">{text}</Typography.Paragraph>;
}

function ReplaceJwks({ account, onClose, onDone }: { account: Account; onClose(): void; onDone(): void }) {
  const { t } = useI18n();
  const [form] = Form.useForm();
  const m = useMutation({
    mutationFn: async (v: { reason: string; jwks: string }) =>
      unwrap(
        await api.PUT('/api/v1/accounts/{client_id}/jwks', {
          params: { path: { client_id: account.client_id } },
          body: { reason: v.reason, jwks: parseJwks(v.jwks) as Jwks },
        }),
      ),
    onSuccess: onDone,
  });
  return (
    <Modal
      open
      title={`${t('accounts.jwks.replace')}: ${account.name}`}
      onCancel={onClose}
      okText={t('accounts.save')}
      cancelText={t('accounts.cancel')}
      onOk={() => form.submit()}
      confirmLoading={m.isPending}
      destroyOnHidden
      width={640}
    >
      <Form form={form} layout="vertical" initialValues={{ jwks: account.jwks ? JSON.stringify(account.jwks, null, 2) : '' }} onFinish={(v) => m.mutate(v)}>
        <Form.Item
          name="jwks"
          label={t('accounts.jwks')}
          htmlFor="replace-jwks"
          rules={[
            { required: true, message: t('accounts.required') },
            {
              validator: async (_, v: string) => {
                if (v && !parseJwks(v)) throw new Error(t('accounts.jwks.invalid'));
              },
            },
          ]}
        >
          <JwksField id="replace-jwks" />
        </Form.Item>
        <ReasonItem />
      </Form>
      {m.isError && <ProblemAlert error={m.error} />}
    </Modal>
  );
}

function RevokeAccount({ account, onClose, onDone }: { account: Account; onClose(): void; onDone(): void }) {
  const { t } = useI18n();
  const [form] = Form.useForm();
  const m = useMutation({
    mutationFn: async (v: { reason: string }) =>
      unwrap(await api.POST('/api/v1/accounts/{client_id}/revoke', { params: { path: { client_id: account.client_id } }, body: v })),
    onSuccess: onDone,
  });
  return (
    <Modal
      open
      title={`${t('accounts.revoke')}: ${account.name}`}
      onCancel={onClose}
      okText={t('accounts.revoke')}
      okButtonProps={{ danger: true }}
      cancelText={t('accounts.cancel')}
      onOk={() => form.submit()}
      confirmLoading={m.isPending}
      destroyOnHidden
    >
      <Form form={form} layout="vertical" onFinish={(v) => m.mutate(v)}>
        <Paragraph text={t('accounts.revoke.help')} />
        <ReasonItem />
      </Form>
      {m.isError && <ProblemAlert error={m.error} />}
    </Modal>
  );
}

function DelegationList() {
  const { t } = useI18n();
  const { session } = useSession();
  const user = session!.user;
  const agency = agencyCodeOf(user);
  const canDelegate = user.roles.includes('custodian_admin') || user.roles.includes('coordinator');
  const qc = useQueryClient();
  const [page, setPage] = useState(1);
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<Delegation | null>(null);
  const query = { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE };
  const list = useQuery({
    queryKey: ['delegations', query],
    queryFn: async () => unwrap(await api.GET('/api/v1/delegations', { params: { query } })),
    placeholderData: keepPreviousData,
  });
  const refresh = () => qc.invalidateQueries({ queryKey: ['delegations'] });
  const columns: TableProps<Delegation>['columns'] = [
    { key: 'custodian', title: t('accounts.del.custodian'), dataIndex: 'custodian_code', width: 140 },
    { key: 'operator', title: t('accounts.del.operator'), dataIndex: 'operator_code', width: 160 },
    {
      key: 'status',
      title: t('accounts.col.status'),
      width: 110,
      render: (_, d) => <StatusTag tone={d.status === 'active' ? 'good' : 'off'}>{t(`accounts.status.${d.status}` as MessageKey)}</StatusTag>,
    },
    { key: 'created', title: t('accounts.col.created'), width: 150, render: (_, d) => formatDateTime(d.created_at) },
    { key: 'id', title: t('accounts.del.id'), responsive: ['xl'], render: (_, d) => <Typography.Text code>{d.id}</Typography.Text> },
    {
      key: 'actions',
      title: t('accounts.col.actions'),
      width: 120,
      render: (_, d) =>
        d.status === 'active' && canDelegate ? (
          <Button size="small" danger onClick={() => setRevoking(d)}>
            {t('accounts.revoke')}
          </Button>
        ) : null,
    },
  ];
  return (
    <>
      <Paragraph text={t('accounts.del.help')} />
      {canDelegate && (
        <Flex justify="flex-end" style={{ marginBottom: 16 }}>
          <Button type="primary" onClick={() => setCreating(true)}>
            {t('accounts.del.create')}
          </Button>
        </Flex>
      )}
      {list.isError ? (
        <LoadError error={list.error} retry={() => void list.refetch()} />
      ) : (
        <Table<Delegation>
          rowKey="id"
          data-testid="delegations-table"
          columns={columns}
          dataSource={list.data?.items ?? []}
          loading={list.isFetching}
          locale={{ emptyText: list.isPending ? ' ' : <EmptyState text={t('accounts.del.empty')} /> }}
          scroll={{ x: 900 }}
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
      {creating && (
        <CreateDelegation
          agency={agency}
          coordinator={user.roles.includes('coordinator')}
          onClose={() => setCreating(false)}
          onDone={() => {
            setCreating(false);
            void refresh();
          }}
        />
      )}
      {revoking && (
        <RevokeDelegation
          delegation={revoking}
          onClose={() => setRevoking(null)}
          onDone={() => {
            setRevoking(null);
            void refresh();
          }}
        />
      )}
    </>
  );
}

function CreateDelegation({ agency, coordinator, onClose, onDone }: { agency: string; coordinator: boolean; onClose(): void; onDone(): void }) {
  const { t } = useI18n();
  const [form] = Form.useForm();
  const m = useMutation({
    mutationFn: async (v: { custodian_code: string; operator_code: string; reason: string }) =>
      unwrap(
        await api.POST('/api/v1/delegations', {
          body: { ...v, custodian_code: v.custodian_code.trim().toUpperCase(), operator_code: v.operator_code.trim().toUpperCase() },
        }),
      ),
    onSuccess: onDone,
  });
  return (
    <Modal
      open
      title={t('accounts.del.create')}
      onCancel={onClose}
      okText={t('accounts.del.create')}
      cancelText={t('accounts.cancel')}
      onOk={() => form.submit()}
      confirmLoading={m.isPending}
      destroyOnHidden
    >
      <Form form={form} layout="vertical" initialValues={{ custodian_code: coordinator ? '' : agency }} onFinish={(v) => m.mutate(v)}>
        <Form.Item
          name="custodian_code"
          label={t('accounts.del.custodian')}
          htmlFor="del-custodian"
          rules={[{ required: true, message: t('accounts.required') }]}
        >
          <Input id="del-custodian" disabled={!coordinator} />
        </Form.Item>
        <Form.Item name="operator_code" label={t('accounts.del.operator')} htmlFor="del-operator" rules={[{ required: true, message: t('accounts.required') }]}>
          <Input id="del-operator" />
        </Form.Item>
        <ReasonItem />
      </Form>
      {m.isError && <ProblemAlert error={m.error} />}
    </Modal>
  );
}

function RevokeDelegation({ delegation, onClose, onDone }: { delegation: Delegation; onClose(): void; onDone(): void }) {
  const { t } = useI18n();
  const [form] = Form.useForm();
  const m = useMutation({
    mutationFn: async (v: { reason: string }) =>
      unwrap(await api.POST('/api/v1/delegations/{id}/revoke', { params: { path: { id: delegation.id } }, body: v })),
    onSuccess: onDone,
  });
  return (
    <Modal
      open
      title={`${t('accounts.revoke')}: ${delegation.custodian_code} → ${delegation.operator_code}`}
      onCancel={onClose}
      okText={t('accounts.revoke')}
      okButtonProps={{ danger: true }}
      cancelText={t('accounts.cancel')}
      onOk={() => form.submit()}
      confirmLoading={m.isPending}
      destroyOnHidden
    >
      <Form form={form} layout="vertical" onFinish={(v) => m.mutate(v)}>
        <Paragraph text={t('accounts.del.revoke.help')} />
        <ReasonItem />
      </Form>
      {m.isError && <ProblemAlert error={m.error} />}
    </Modal>
  );
}
