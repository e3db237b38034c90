import { useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App as AntApp,
  Button,
  Card,
  ConfigProvider,
  DatePicker,
  Descriptions,
  Flex,
  Form,
  Input,
  Segmented,
  Space,
  Table,
  Tag,
  Tree,
  Typography,
} from 'antd';
import type { TableProps, TreeDataNode } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { api, problemMessage, unwrap } from '../api/client.ts';
import type { paths } from '../api/schema.d.ts';
import { useSession } from '../auth/session.tsx';
import { EmptyState, LoadError } from '../components/States.tsx';
import { HistoryCard } from '../components/catalog/HistoryCard.tsx';
import { CreateCodeList } from '../components/codelists/CreateCodeList.tsx';
import { EditCodeList } from '../components/codelists/EditCodeList.tsx';
import { PublishVersion } from '../components/codelists/PublishVersion.tsx';
import { DATE_FORMAT, useI18n } from '../i18n/index.tsx';
import { formatDate, formatDateTime } from '../time.ts';

/** Coloured tags keep dark text: the presets' light text fails WCAG AA contrast. */
const DARK = { color: 'rgba(0, 0, 0, 0.88)' };
/** Validation messages in a red dark enough for WCAG AA (antd's default error red is 3.3:1 on white). */
const ERROR_THEME = { token: { colorError: '#c0262d' } };

type ListRow = paths['/api/v1/code-lists']['get']['responses'][200]['content']['application/json']['items'][number];
type Item = paths['/api/v1/code-lists/{code}/items']['get']['responses'][200]['content']['application/json']['items'][number];
type Version = paths['/api/v1/code-lists/{code}/versions']['get']['responses'][200]['content']['application/json'][number];
type Import = paths['/api/v1/code-lists/{code}/imports/{id}']['get']['responses'][200]['content']['application/json'];

const PAGE_SIZE = 20;
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

function vietnamToday(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Ho_Chi_Minh', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
}

/** GET /api/v1/code-lists: the shared code lists and their version in force. */
function CodeListsIndex() {
  const { t, lang } = useI18n();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const page = Math.max(1, Number(params.get('page')) || 1);
  const [text, setText] = useState(q);
  const { session } = useSession();
  const canCreate = !!session?.user.roles.includes('coordinator');
  const [creating, setCreating] = useState(false);
  const query = { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE, ...(q && { q }) };
  const list = useQuery({
    queryKey: ['code-lists', query],
    queryFn: async () => unwrap(await api.GET('/api/v1/code-lists', { params: { query } })),
    placeholderData: keepPreviousData,
  });
  const columns: TableProps<ListRow>['columns'] = [
    {
      key: 'code',
      title: t('codelists.col.code'),
      width: 200,
      render: (_, l) => (
        <Link to={`/code-lists/${l.code}`}>
          <Typography.Text code>{l.code}</Typography.Text>
        </Link>
      ),
    },
    { key: 'name', title: t('codelists.col.name'), render: (_, l) => <Link to={`/code-lists/${l.code}`}>{lang === 'vi' ? l.name_vi : l.name_en}</Link> },
    { key: 'issuer', title: t('codelists.col.issuer'), dataIndex: 'issuer', width: 200, responsive: ['lg'] },
    {
      key: 'version',
      title: t('codelists.col.version'),
      width: 200,
      render: (_, l) =>
        l.current_version ? t('codelists.version.inforce', { n: l.current_version.version_no, from: formatDate(l.current_version.effective_from) }) : '—',
    },
    { key: 'items', title: t('codelists.col.items'), width: 100, render: (_, l) => l.current_version?.item_count ?? '—' },
  ];
  return (
    <>
      <Flex justify="space-between" align="center" wrap gap={8}>
        <Typography.Title level={1} style={{ fontSize: 24, marginTop: 0 }}>
          {t('codelists.title')}
        </Typography.Title>
        {canCreate && (
          <Button type="primary" onClick={() => setCreating(true)}>
            {t('codelists.new.add')}
          </Button>
        )}
      </Flex>
      {canCreate && <CreateCodeList open={creating} onClose={() => setCreating(false)} />}
      <Card style={{ marginBottom: 16 }}>
        <Form layout="vertical" role="search" aria-label={t('codelists.title')} onSubmitCapture={(e) => e.preventDefault()}>
          <Form.Item label={t('codelists.q')} htmlFor="codelists-q" style={{ marginBottom: 0, maxWidth: 480 }}>
            <Input.Search
              id="codelists-q"
              value={text}
              allowClear
              enterButton={t('common.search')}
              onChange={(e) => setText(e.target.value)}
              onSearch={(v) => setParams(v.trim() ? { q: v.trim() } : {}, { replace: true })}
            />
          </Form.Item>
        </Form>
      </Card>
      {list.isError ? (
        <LoadError error={list.error} retry={() => void list.refetch()} />
      ) : (
        <Table<ListRow>
          rowKey="code"
          data-testid="codelists-table"
          columns={columns}
          dataSource={list.data?.items ?? []}
          loading={list.isFetching}
          locale={{ emptyText: list.isPending ? ' ' : <EmptyState /> }}
          scroll={{ x: 800 }}
          tableLayout="fixed"
          pagination={{
            current: page,
            pageSize: PAGE_SIZE,
            total: list.data?.total ?? 0,
            showSizeChanger: false,
            showTotal: (n) => t('common.total', { n }),
            onChange: (p) => setParams({ ...(q && { q }), ...(p > 1 && { page: String(p) }) }, { replace: true }),
          }}
        />
      )}
    </>
  );
}

function itemName(i: Item, lang: 'vi' | 'en'): string {
  return lang === 'vi' ? i.name_vi : (i.name_en ?? i.name_vi);
}

/** Provinces → communes: roots found once, each province's communes loaded from the server when expanded (`parent=`). */
function ItemsTree({ code, on }: { code: string; on: string }) {
  const { t, lang } = useI18n();
  const roots = useQuery({
    queryKey: ['code-list-roots', code, on],
    queryFn: async () => {
      // API gap: no filter for items without a parent; the pages are read once and the roots kept.
      const found: Item[] = [];
      for (let offset = 0; offset < 20_000; offset += 200) {
        const page = unwrap(await api.GET('/api/v1/code-lists/{code}/items', { params: { path: { code }, query: { on, limit: 200, offset } } }));
        found.push(...page.items.filter((i) => !i.parent_code));
        if (offset + 200 >= page.total) break;
      }
      return found;
    },
  });
  const [children, setChildren] = useState<Record<string, TreeDataNode[]>>({});
  const node = (i: Item, leaf: boolean): TreeDataNode => ({ key: i.code, title: `${i.code} — ${itemName(i, lang)}`, isLeaf: leaf });
  async function loadData(n: TreeDataNode) {
    const key = String(n.key);
    if (children[key]) return;
    const all: Item[] = [];
    for (let offset = 0; ; offset += 200) {
      const page = unwrap(await api.GET('/api/v1/code-lists/{code}/items', { params: { path: { code }, query: { on, parent: key, limit: 200, offset } } }));
      all.push(...page.items);
      if (offset + 200 >= page.total) break;
    }
    setChildren((c) => ({ ...c, [key]: all.map((i) => node(i, false)) }));
  }
  if (roots.isError) return <LoadError error={roots.error} retry={() => void roots.refetch()} />;
  if (roots.isPending) return <Typography.Text>{t('common.loading')}</Typography.Text>;
  const build = (nodes: TreeDataNode[]): TreeDataNode[] =>
    nodes.map((n) => {
      const kids = children[String(n.key)];
      return kids ? { ...n, isLeaf: kids.length === 0, children: build(kids) } : n;
    });
  return (
    <div data-testid="codelist-tree" role="region" aria-label={t('codelists.tree')}>
      <Tree treeData={build(roots.data.map((i) => node(i, false)))} loadData={loadData} height={480} />
    </div>
  );
}

function ItemsTable({ code, on }: { code: string; on: string }) {
  const { t, lang } = useI18n();
  const [page, setPage] = useState(1);
  const [q, setQ] = useState('');
  const [text, setText] = useState('');
  const query = { on, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE, ...(q && { q }) };
  const items = useQuery({
    queryKey: ['code-list-items', code, query],
    queryFn: async () => unwrap(await api.GET('/api/v1/code-lists/{code}/items', { params: { path: { code }, query } })),
    placeholderData: keepPreviousData,
  });
  const columns: TableProps<Item>['columns'] = [
    { key: 'code', title: t('codelists.col.code'), dataIndex: 'code', width: 140, render: (c: string) => <Typography.Text code>{c}</Typography.Text> },
    { key: 'name', title: t('codelists.col.name'), render: (_, i) => itemName(i, lang) },
    { key: 'parent', title: t('codelists.col.parent'), dataIndex: 'parent_code', width: 120, render: (c: string | null) => c ?? '—' },
  ];
  return (
    <>
      <Form layout="vertical" role="search" aria-label={t('codelists.items.search')} onSubmitCapture={(e) => e.preventDefault()}>
        <Form.Item label={t('codelists.items.search')} htmlFor="items-q" style={{ maxWidth: 420 }}>
          <Input.Search
            id="items-q"
            value={text}
            allowClear
            enterButton={t('common.search')}
            onChange={(e) => setText(e.target.value)}
            onSearch={(v) => {
              setQ(v.trim());
              setPage(1);
            }}
          />
        </Form.Item>
      </Form>
      {items.isError ? (
        <LoadError error={items.error} retry={() => void items.refetch()} />
      ) : (
        <Table<Item>
          rowKey="code"
          data-testid="items-table"
          columns={columns}
          dataSource={items.data?.items ?? []}
          loading={items.isFetching}
          tableLayout="fixed"
          locale={{ emptyText: items.isPending ? ' ' : <EmptyState /> }}
          pagination={{
            current: page,
            pageSize: PAGE_SIZE,
            total: items.data?.total ?? 0,
            showSizeChanger: false,
            showTotal: (n) => t('common.total', { n }),
            onChange: setPage,
          }}
        />
      )}
    </>
  );
}

function ChangeList({ title, rows, testid }: { title: string; rows: { code: string; text: string }[]; testid: string }) {
  return (
    <Card size="small" title={<span data-testid={testid}>{title}</span>} style={{ flex: '1 1 260px' }}>
      {rows.length === 0 ? (
        '—'
      ) : (
        <ul style={{ margin: 0, paddingInlineStart: 18, maxHeight: 220, overflow: 'auto' }}>
          {rows.slice(0, 200).map((r) => (
            <li key={r.code}>
              <Typography.Text code>{r.code}</Typography.Text> {r.text}
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

function str(v: unknown): string {
  return v === null || v === undefined ? '—' : String(v);
}

/** Upload a file → the diff → publish (effective date, legal basis) or discard. */
function ImportWizard({ code, onPublished }: { code: string; onPublished(): void }) {
  const { t, lang } = useI18n();
  const { message } = AntApp.useApp();
  const [imp, setImp] = useState<Import | null>(null);
  const [form] = Form.useForm();
  const upload = useMutation({
    mutationFn: async (file: File) => {
      const type = /\.xlsx$/i.test(file.name) ? XLSX : /\.json$/i.test(file.name) ? 'application/json' : 'text/csv';
      const body = type === 'text/csv' ? await file.text() : file;
      return unwrap(
        await api.POST('/api/v1/code-lists/{code}/imports', {
          params: { path: { code } },
          body: body as never,
          bodySerializer: (b: unknown) => b as BodyInit,
          headers: { 'content-type': type },
        }),
      ) as Import;
    },
    onSuccess: (r) => setImp(r),
  });
  const publish = useMutation({
    mutationFn: async (v: { effective_from: Dayjs; legal_basis?: string; note?: string }) =>
      unwrap(
        await api.POST('/api/v1/code-lists/{code}/imports/{id}/publish', {
          params: { path: { code, id: imp!.id } },
          body: { effective_from: v.effective_from.format('YYYY-MM-DD'), legal_basis: v.legal_basis || null, note: v.note || null },
        }),
      ),
    onSuccess: (v) => {
      message.success(t('codelists.import.published', { n: v.version_no }));
      setImp(null);
      form.resetFields();
      onPublished();
    },
  });
  const discard = useMutation({
    mutationFn: async () => unwrap(await api.POST('/api/v1/code-lists/{code}/imports/{id}/discard', { params: { path: { code, id: imp!.id } } })),
    onSuccess: () => {
      setImp(null);
      message.info(t('codelists.import.discarded'));
    },
  });
  const d = imp?.diff;
  return (
    <ConfigProvider theme={ERROR_THEME}>
      <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('codelists.import.title')}</h2>} style={{ marginBottom: 16 }}>
        {!imp && (
          <>
            <Typography.Paragraph>{t('codelists.import.help')}</Typography.Paragraph>
            <label htmlFor="import-file" style={{ display: 'block', marginBottom: 8 }}>
              {t('codelists.import.file')}
            </label>
            <input
              id="import-file"
              type="file"
              accept=".csv,.xlsx,.json,text/csv,application/json"
              onChange={(e) => {
                const f = e.target.files?.[0];
                if (f) upload.mutate(f);
                e.target.value = '';
              }}
              disabled={upload.isPending}
            />
            {upload.isPending && <Typography.Text> {t('common.loading')}</Typography.Text>}
            {upload.isError && (
              <Alert
                style={{ marginTop: 12 }}
                type="error"
                showIcon
                title={t('codelists.import.failed')}
                description={problemMessage(upload.error, lang, '')}
              />
            )}
          </>
        )}
        {imp && d && (
          <>
            <Descriptions
              size="small"
              column={{ xs: 1, md: 3 }}
              items={[
                { key: 'base', label: t('codelists.diff.base'), children: d.base_version ?? '—' },
                { key: 'count', label: t('codelists.diff.items'), children: imp.item_count },
                { key: 'unchanged', label: t('codelists.diff.unchanged'), children: d.unchanged },
              ]}
            />
            <Space wrap style={{ margin: '12px 0' }} data-testid="diff-summary">
              <Tag color="green" style={DARK}>
                {t('codelists.diff.added', { n: d.added.length })}
              </Tag>
              <Tag color="red" style={DARK}>
                {t('codelists.diff.retired', { n: d.retired.length })}
              </Tag>
              <Tag color="blue" style={DARK}>
                {t('codelists.diff.renamed', { n: d.renamed.length })}
              </Tag>
              <Tag color="purple" style={DARK}>
                {t('codelists.diff.reparented', { n: d.reparented.length })}
              </Tag>
              <Tag style={DARK}>{t('codelists.diff.attributes', { n: d.attributes_changed.length })}</Tag>
            </Space>
            <Flex wrap gap={12} style={{ marginBottom: 16 }}>
              <ChangeList
                testid="diff-added"
                title={t('codelists.diff.added', { n: d.added.length })}
                rows={d.added.map((i) => ({ code: i.code, text: i.name_vi }))}
              />
              <ChangeList
                testid="diff-retired"
                title={t('codelists.diff.retired', { n: d.retired.length })}
                rows={d.retired.map((i) => ({ code: i.code, text: i.name_vi }))}
              />
              <ChangeList
                testid="diff-renamed"
                title={t('codelists.diff.renamed', { n: d.renamed.length })}
                rows={d.renamed.map((c) => ({ code: c.code, text: `${str(c.from.name_vi ?? c.from.name_en)} → ${str(c.to.name_vi ?? c.to.name_en)}` }))}
              />
              <ChangeList
                testid="diff-reparented"
                title={t('codelists.diff.reparented', { n: d.reparented.length })}
                rows={d.reparented.map((c) => ({ code: c.code, text: `${str(c.from.parent_code)} → ${str(c.to.parent_code)}` }))}
              />
            </Flex>
            <Form form={form} name="import" layout="vertical" onFinish={(v) => publish.mutate(v)} aria-label={t('codelists.import.publish')}>
              <Flex wrap gap={16}>
                <Form.Item
                  name="effective_from"
                  label={t('codelists.import.effective')}
                  htmlFor="import-effective"
                  rules={[{ required: true, message: t('codelists.required') }]}
                  style={{ flex: '1 1 200px' }}
                >
                  <DatePicker id="import-effective" format={DATE_FORMAT} style={{ width: '100%' }} />
                </Form.Item>
                <Form.Item
                  name="legal_basis"
                  label={t('codelists.import.legal')}
                  htmlFor="import-legal"
                  rules={[{ required: true, message: t('codelists.required') }]}
                  style={{ flex: '2 1 300px' }}
                >
                  <Input id="import-legal" maxLength={500} />
                </Form.Item>
              </Flex>
              <Form.Item name="note" label={t('codelists.import.note')} htmlFor="import-note">
                <Input id="import-note" maxLength={2000} />
              </Form.Item>
              {publish.isError && (
                <Alert
                  style={{ marginBottom: 12 }}
                  type="error"
                  showIcon
                  title={t('codelists.import.failed')}
                  description={problemMessage(publish.error, lang, '')}
                />
              )}
              <Space>
                <Button type="primary" htmlType="submit" loading={publish.isPending}>
                  {t('codelists.import.publish')}
                </Button>
                <Button onClick={() => discard.mutate()} loading={discard.isPending}>
                  {t('codelists.import.discard')}
                </Button>
              </Space>
            </Form>
          </>
        )}
      </Card>
    </ConfigProvider>
  );
}

/** One code list: items in force on a date (tree for provinces → communes), versions, export, import. */
export function CodeListDetail() {
  const { code = '' } = useParams();
  const { t, lang } = useI18n();
  const { session } = useSession();
  const qc = useQueryClient();
  const canEdit = !!session?.user.roles.includes('coordinator');
  const [on, setOn] = useState(vietnamToday());
  const [view, setView] = useState<'tree' | 'table'>(code === 'don-vi-hanh-chinh' ? 'tree' : 'table');
  const [editing, setEditing] = useState(false);
  const list = useQuery({
    queryKey: ['code-list', code],
    queryFn: async () => unwrap(await api.GET('/api/v1/code-lists/{code}', { params: { path: { code } } })),
  });
  const versions = useQuery({
    queryKey: ['code-list-versions', code],
    queryFn: async () => unwrap(await api.GET('/api/v1/code-lists/{code}/versions', { params: { path: { code } } })),
  });
  if (list.isError) return <LoadError error={list.error} retry={() => void list.refetch()} />;
  const l = list.data;
  const latest = versions.data?.reduce<Version | undefined>((a, v) => (!a || v.version_no > a.version_no ? v : a), undefined);
  const published = () => {
    for (const key of [['code-list-versions', code], ['code-lists'], ['code-list-items', code], ['code-list-roots', code], ['code-list-history', code]])
      void qc.invalidateQueries({ queryKey: key });
  };
  const exportHref = (format: string) => `/api/v1/code-lists/${encodeURIComponent(code)}/export?format=${format}&on=${on}`;
  const vcols: TableProps<Version>['columns'] = [
    { key: 'no', title: t('codelists.col.version'), dataIndex: 'version_no', width: 90 },
    { key: 'from', title: t('codelists.v.from'), width: 130, render: (_, v) => formatDate(v.effective_from) },
    { key: 'to', title: t('codelists.v.to'), width: 130, render: (_, v) => (v.effective_to ? formatDate(v.effective_to) : '—') },
    { key: 'items', title: t('codelists.col.items'), dataIndex: 'item_count', width: 100 },
    { key: 'legal', title: t('codelists.import.legal'), render: (_, v) => v.legal_basis ?? '—' },
    { key: 'by', title: t('codelists.v.published'), width: 200, render: (_, v) => `${v.published_by}, ${formatDateTime(v.published_at)}` },
  ];
  return (
    <>
      <Link to="/code-lists">← {t('codelists.back')}</Link>
      <Flex justify="space-between" align="center" wrap gap={8}>
        <Typography.Title level={1} style={{ fontSize: 24 }}>
          {l ? (lang === 'vi' ? l.name_vi : l.name_en) : code}
        </Typography.Title>
        {canEdit && l && <Button onClick={() => setEditing(true)}>{t('codelists.edit.open')}</Button>}
      </Flex>
      {canEdit && l && <EditCodeList list={l} open={editing} onClose={() => setEditing(false)} />}
      {l && (
        <Descriptions
          size="small"
          style={{ marginBottom: 16 }}
          column={{ xs: 1, md: 2 }}
          items={[
            { key: 'code', label: t('codelists.col.code'), children: <Typography.Text code>{l.code}</Typography.Text> },
            { key: 'issuer', label: t('codelists.col.issuer'), children: l.issuer },
            { key: 'legal', label: t('codelists.import.legal'), children: l.legal_basis },
            { key: 'source', label: t('codelists.source'), children: l.source_note ?? '—' },
          ]}
        />
      )}
      <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('codelists.items.title')}</h2>} style={{ marginBottom: 16 }}>
        <Flex wrap gap={16} align="flex-end" style={{ marginBottom: 16 }}>
          <div>
            <label htmlFor="items-on" style={{ display: 'block', marginBottom: 4 }}>
              {t('codelists.on')}
            </label>
            <DatePicker id="items-on" format={DATE_FORMAT} allowClear={false} value={dayjs(on)} onChange={(v) => v && setOn(v.format('YYYY-MM-DD'))} />
          </div>
          <Segmented<'tree' | 'table'>
            aria-label={t('codelists.view')}
            value={view}
            onChange={setView}
            options={[
              { value: 'tree', label: t('codelists.view.tree') },
              { value: 'table', label: t('codelists.view.table') },
            ]}
          />
          <Space wrap>
            <span>{t('codelists.export')}:</span>
            {['csv', 'json', 'xlsx'].map((f) => (
              <a key={f} href={exportHref(f)} download>
                {f.toUpperCase()}
              </a>
            ))}
          </Space>
        </Flex>
        {versions.data?.length === 0 ? (
          <EmptyState text={t('codelists.versions.none')} />
        ) : view === 'tree' ? (
          <ItemsTree key={on} code={code} on={on} />
        ) : (
          <ItemsTable key={on} code={code} on={on} />
        )}
      </Card>
      {canEdit && <ImportWizard code={code} onPublished={published} />}
      {canEdit && versions.isSuccess && <PublishVersion code={code} latest={latest} onPublished={published} />}
      <h2 style={{ fontSize: 18 }}>{t('codelists.versions')}</h2>
      {versions.isError ? (
        <LoadError error={versions.error} retry={() => void versions.refetch()} />
      ) : (
        <Table<Version>
          rowKey="version_no"
          data-testid="versions-table"
          columns={vcols}
          dataSource={versions.data ?? []}
          loading={versions.isFetching}
          pagination={false}
          scroll={{ x: 800 }}
          locale={{ emptyText: versions.isPending ? ' ' : <EmptyState text={t('codelists.versions.none')} /> }}
          style={{ marginBottom: 16 }}
        />
      )}
      <HistoryCard
        title={t('codelists.history')}
        testId="code-list-history"
        queryKey={['code-list-history', code]}
        load={async () => unwrap(await api.GET('/api/v1/code-lists/{code}/history', { params: { path: { code } } }))}
      />
    </>
  );
}

export default CodeListsIndex;
