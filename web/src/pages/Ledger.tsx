import { useEffect, useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Alert, Button, Card, DatePicker, Descriptions, Flex, Form, Input, InputNumber, List, Select, Space, Spin, Table, Typography } from 'antd';
import type { TableProps } from 'antd';
import type { Dayjs } from 'dayjs';
import { api, unwrap } from '../api/client.ts';
import type { paths } from '../api/schema.d.ts';
import { agencyCodeOf, useSession } from '../auth/session.tsx';
import { AccessibleColours, StatusTag } from '../components/accounts/StatusTag.tsx';
import { EmptyState, LoadError } from '../components/States.tsx';
import { type MessageKey, useI18n } from '../i18n/index.tsx';
import { type Step, fromBase64, parseNote, parseVerifierKey, verifyConsistency, verifyNoteSignature, verifyReceipt } from '../ledger/verify.ts';
import { formatDateTime } from '../time.ts';

type Item = paths['/api/v1/ledger/{custodian}/entries']['get']['responses'][200]['content']['application/json']['items'][number];
type Receipt = paths['/api/v1/ledger/receipts/{id}']['get']['responses'][200]['content']['application/json'];
type Keys = paths['/api/v1/ledger/keys']['get']['responses'][200]['content']['application/json'];
interface Entry {
  requested_at?: string;
  requester?: { agency?: string; system?: string; account?: string };
  request?: { method?: string; resource?: string; purpose?: string };
  dataset?: string;
  record_keys?: string[];
  response?: { status?: number; content_sha256?: string };
  agreement_ids?: string[];
  trace_id?: string;
}
interface Filters {
  requester?: string;
  dataset?: string;
  record_key?: string;
  status?: number;
  range?: [Dayjs | null, Dayjs | null] | null;
}
const PAGE_SIZE = 20;
const SEE_ALL = ['coordinator', 'auditor'];
const origin = (custodian: string) => `lienthong/${custodian.toLowerCase()}`;

/** The sharing log: a custodian's log searched, a receipt and its proofs verified in the browser. */
export default function Ledger() {
  const { t } = useI18n();
  const { session } = useSession();
  const user = session!.user;
  const seeAll = user.roles.some((r) => SEE_ALL.includes(r));
  const own = agencyCodeOf(user);
  const keys = useQuery({ queryKey: ['ledger-keys'], queryFn: async () => unwrap(await api.GET('/api/v1/ledger/keys')) });
  const [custodian, setCustodian] = useState<string | undefined>(seeAll ? undefined : own);
  const [filters, setFilters] = useState<Filters>({});
  // Server paging by cursor: the `after` of each page visited, to go back.
  const [cursors, setCursors] = useState<(number | undefined)[]>([undefined]);
  const [receiptId, setReceiptId] = useState<string | null>(null);
  const after = cursors[cursors.length - 1];

  useEffect(() => {
    if (seeAll && !custodian && keys.data?.keys[0]) setCustodian(keys.data.keys[0].log);
  }, [seeAll, custodian, keys.data]);

  const [from, to] = filters.range ?? [null, null];
  const query = {
    limit: PAGE_SIZE,
    ...(after !== undefined && { after }),
    ...(filters.requester && { requester: filters.requester.trim().toUpperCase() }),
    ...(filters.dataset && { dataset: filters.dataset.trim() }),
    ...(filters.record_key && { record_key: filters.record_key.trim() }),
    ...(filters.status && { status: filters.status }),
    // Calendar days of Viet Nam, whatever the browser's time zone.
    ...(from && { from: `${from.format('YYYY-MM-DD')}T00:00:00+07:00` }),
    ...(to && { to: `${to.format('YYYY-MM-DD')}T23:59:59.999+07:00` }),
  };
  const list = useQuery({
    queryKey: ['ledger-entries', custodian, query],
    enabled: !!custodian,
    queryFn: async () => unwrap(await api.GET('/api/v1/ledger/{custodian}/entries', { params: { path: { custodian: custodian! }, query } })),
    placeholderData: keepPreviousData,
  });

  const columns: TableProps<Item>['columns'] = [
    { key: 'index', title: t('ledger.col.index'), dataIndex: 'leaf_index', width: 90 },
    {
      key: 'time',
      title: t('ledger.col.time'),
      width: 150,
      render: (_, i) => ((i.entry as Entry | null)?.requested_at ? formatDateTime((i.entry as Entry).requested_at!) : '—'),
    },
    {
      key: 'requester',
      title: t('ledger.col.requester'),
      width: 200,
      render: (_, i) => {
        const e = i.entry as Entry | null;
        return e?.requester ? `${e.requester.agency ?? ''} / ${e.requester.system ?? ''}` : '—';
      },
    },
    { key: 'dataset', title: t('ledger.col.dataset'), render: (_, i) => (i.entry as Entry | null)?.dataset ?? '—' },
    { key: 'keys', title: t('ledger.col.record_keys'), width: 160, render: (_, i) => ((i.entry as Entry | null)?.record_keys ?? []).join(', ') },
    {
      key: 'status',
      title: t('ledger.col.status'),
      width: 90,
      render: (_, i) => {
        const s = (i.entry as Entry | null)?.response?.status;
        return s ? <StatusTag tone={s < 400 ? 'good' : 'warn'}>{s}</StatusTag> : '—';
      },
    },
    {
      key: 'open',
      title: t('ledger.col.receipt'),
      width: 150,
      render: (_, i) => (
        <Button size="small" onClick={() => setReceiptId(i.receipt_id)} aria-label={t('ledger.open.label', { n: i.leaf_index })}>
          {t('ledger.open')}
        </Button>
      ),
    },
  ];

  return (
    <AccessibleColours>
      <Typography.Title level={1} style={{ fontSize: 24, marginTop: 0 }}>
        {t('ledger.title')}
      </Typography.Title>
      <Typography.Paragraph type="secondary">{t('ledger.intro')}</Typography.Paragraph>
      <Card style={{ marginBottom: 16 }}>
        <Form
          layout="vertical"
          role="search"
          aria-label={t('ledger.search')}
          onFinish={(v: Filters) => {
            setFilters(v);
            setCursors([undefined]);
          }}
        >
          <Flex wrap gap={16} align="flex-end">
            <Form.Item label={t('ledger.log')} htmlFor="ledger-log" style={{ flex: '1 1 160px', marginBottom: 0 }}>
              <Select
                id="ledger-log"
                value={custodian}
                disabled={!seeAll}
                loading={keys.isPending}
                onChange={(v: string) => {
                  setCustodian(v);
                  setCursors([undefined]);
                  setReceiptId(null);
                }}
                options={seeAll ? (keys.data?.keys ?? []).map((k) => ({ value: k.log, label: k.log })) : [{ value: own, label: own }]}
              />
            </Form.Item>
            <Form.Item name="requester" label={t('ledger.f.requester')} htmlFor="ledger-requester" style={{ flex: '1 1 140px', marginBottom: 0 }}>
              <Input id="ledger-requester" placeholder="VPCP" />
            </Form.Item>
            <Form.Item name="dataset" label={t('ledger.f.dataset')} htmlFor="ledger-dataset" style={{ flex: '1 1 180px', marginBottom: 0 }}>
              <Input id="ledger-dataset" />
            </Form.Item>
            <Form.Item name="record_key" label={t('ledger.f.record_key')} htmlFor="ledger-record" style={{ flex: '1 1 140px', marginBottom: 0 }}>
              <Input id="ledger-record" />
            </Form.Item>
            <Form.Item name="range" label={t('ledger.f.range')} htmlFor="ledger-range" style={{ flex: '1 1 260px', marginBottom: 0 }}>
              <DatePicker.RangePicker
                id={{ start: 'ledger-range', end: 'ledger-range-end' }}
                format="DD/MM/YYYY"
                allowEmpty={[true, true]}
                placeholder={[t('ledger.f.from'), t('ledger.f.to')]}
                aria-label={t('ledger.f.range')}
              />
            </Form.Item>
            <Form.Item name="status" label={t('ledger.f.status')} htmlFor="ledger-status" style={{ flex: '0 1 110px', marginBottom: 0 }}>
              <InputNumber id="ledger-status" min={100} max={599} style={{ width: '100%' }} />
            </Form.Item>
            <Button type="primary" htmlType="submit">
              {t('common.search')}
            </Button>
          </Flex>
        </Form>
      </Card>
      {!custodian ? (
        keys.isError ? (
          <LoadError error={keys.error} />
        ) : (
          <EmptyState text={t('ledger.nolog')} />
        )
      ) : list.isError ? (
        <LoadError error={list.error} retry={() => void list.refetch()} />
      ) : (
        <>
          <Table<Item>
            rowKey="receipt_id"
            data-testid="ledger-table"
            columns={columns}
            dataSource={list.data?.items ?? []}
            loading={list.isFetching}
            locale={{ emptyText: list.isPending ? ' ' : <EmptyState text={t('ledger.empty')} /> }}
            scroll={{ x: 1000 }}
            pagination={false}
            rowClassName={(i) => (i.receipt_id === receiptId ? 'ant-table-row-selected' : '')}
          />
          <Flex gap={8} justify="flex-end" style={{ margin: '12px 0 16px' }}>
            <Button disabled={cursors.length <= 1} onClick={() => setCursors((c) => c.slice(0, -1))}>
              {t('ledger.prev')}
            </Button>
            <Button disabled={list.data?.next_after == null} onClick={() => setCursors((c) => [...c, list.data!.next_after!])}>
              {t('ledger.next')}
            </Button>
          </Flex>
        </>
      )}
      {receiptId && custodian && <ReceiptPanel id={receiptId} custodian={custodian} keys={keys.data} />}
      {custodian && (
        <Alert
          type="info"
          showIcon
          style={{ marginTop: 16 }}
          title={t('ledger.export.title')}
          description={
            <>
              <p style={{ margin: '0 0 8px' }}>{t('ledger.export.how')}</p>
              <a href={`/api/v1/ledger/${encodeURIComponent(custodian)}/bundle`} download>
                {t('ledger.export.download', { log: custodian })}
              </a>
            </>
          }
        />
      )}
    </AccessibleColours>
  );
}

const STEP_LABELS: Record<Step['id'], MessageKey> = {
  key: 'ledger.step.key',
  leaf: 'ledger.step.leaf',
  inclusion: 'ledger.step.inclusion',
  checkpoint: 'ledger.step.checkpoint',
  signature: 'ledger.step.signature',
};

function Mark({ ok }: { ok: boolean }) {
  const { t } = useI18n();
  return (
    <span aria-label={ok ? t('ledger.ok') : t('ledger.fail')} style={{ color: ok ? '#237804' : '#a8071a', fontWeight: 700 }}>
      {ok ? '✓' : '✗'}
    </span>
  );
}

/** One receipt: the entry, then steps 1 and 4–7 of docs/ledger.md run here, in the browser. */
function ReceiptPanel({ id, custodian, keys }: { id: string; custodian: string; keys: Keys | undefined }) {
  const { t } = useI18n();
  // The integrator sequences every 250 ms and checkpoints within 5 s: poll until both are there.
  const receipt = useQuery({
    queryKey: ['ledger-receipt', id],
    queryFn: async () => unwrap(await api.GET('/api/v1/ledger/receipts/{id}', { params: { path: { id } } })),
    refetchInterval: (q) => (q.state.data && q.state.data.leaf_index !== null && q.state.data.checkpoint !== null ? false : 1000),
  });
  const r = receipt.data;
  const ready = !!r && r.leaf_index !== null && r.checkpoint !== null;
  const vkey = keys?.keys.find((k) => k.log === custodian)?.verifier_key;
  const verification = useQuery({
    queryKey: ['ledger-verify', id, r?.checkpoint?.tree_size, vkey],
    enabled: ready && !!vkey,
    queryFn: () => verifyReceipt(r as Receipt, vkey!, origin(custodian)),
  });
  // Step 7: the newest checkpoint, its signature, and the consistency proof from the receipt's checkpoint to it.
  const consistency = useQuery({
    queryKey: ['ledger-consistency', id, r?.checkpoint?.tree_size, vkey],
    enabled: ready && !!vkey,
    queryFn: async () => {
      const latest = unwrap(await api.GET('/api/v1/ledger/{custodian}/checkpoint', { params: { path: { custodian } } }));
      const key = await parseVerifierKey(vkey!);
      const note = parseNote(latest.note);
      const signed = !!key && !!note && note.origin === origin(custodian) && note.size === latest.tree_size && (await verifyNoteSignature(note, key));
      const from = r!.checkpoint!.tree_size;
      const proof =
        from < latest.tree_size
          ? unwrap(await api.GET('/api/v1/ledger/{custodian}/proof/consistency', { params: { path: { custodian }, query: { from, to: latest.tree_size } } }))
              .hashes
          : [];
      const consistent = await verifyConsistency(
        from,
        latest.tree_size,
        proof.map(fromBase64),
        fromBase64(r!.checkpoint!.root_hash),
        fromBase64(latest.root_hash),
      );
      return { from, to: latest.tree_size, signed, consistent };
    },
  });

  function download() {
    const bundle = { receipt: r, verifier_key: vkey, origin: origin(custodian) };
    const url = URL.createObjectURL(new Blob([JSON.stringify(bundle, null, 2)], { type: 'application/json' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `bien-nhan-${id}.json`;
    a.click();
    URL.revokeObjectURL(url);
  }

  if (receipt.isError) return <LoadError error={receipt.error} retry={() => void receipt.refetch()} />;
  const e = (r?.entry ?? null) as Entry | null;
  return (
    <Card
      title={<h2 style={{ fontSize: 18, margin: 0 }}>{t('ledger.receipt.title')}</h2>}
      data-testid="receipt"
      extra={ready ? <Button onClick={download}>{t('ledger.receipt.download')}</Button> : null}
    >
      {!r ? (
        <Spin />
      ) : (
        <Space direction="vertical" style={{ width: '100%' }} size="middle">
          <Descriptions
            size="small"
            bordered
            column={{ xs: 1, md: 2 }}
            items={[
              { key: 'id', label: t('ledger.receipt.id'), children: <Typography.Text code>{r.id}</Typography.Text> },
              { key: 'index', label: t('ledger.col.index'), children: r.leaf_index ?? t('ledger.pending') },
              { key: 'time', label: t('ledger.col.time'), children: e?.requested_at ? formatDateTime(e.requested_at) : '—' },
              {
                key: 'req',
                label: t('ledger.col.requester'),
                children: e?.requester ? `${e.requester.agency} / ${e.requester.system} (${e.requester.account ?? ''})` : '—',
              },
              { key: 'dataset', label: t('ledger.col.dataset'), children: e?.dataset ?? '—' },
              { key: 'keys', label: t('ledger.col.record_keys'), children: (e?.record_keys ?? []).join(', ') },
              { key: 'purpose', label: t('ledger.receipt.purpose'), children: e?.request?.purpose ?? '—' },
              { key: 'status', label: t('ledger.col.status'), children: e?.response?.status ?? '—' },
              {
                key: 'sha',
                label: t('ledger.receipt.content'),
                children: (
                  <Typography.Text code style={{ wordBreak: 'break-all' }}>
                    {e?.response?.content_sha256 ?? '—'}
                  </Typography.Text>
                ),
              },
              {
                key: 'cp',
                label: t('ledger.receipt.checkpoint'),
                children: r.checkpoint
                  ? t('ledger.receipt.checkpoint.value', { size: r.checkpoint.tree_size, time: formatDateTime(r.checkpoint.timestamp) })
                  : t('ledger.pending'),
              },
            ]}
          />
          <section aria-labelledby="verify-title">
            <h3 id="verify-title" style={{ fontSize: 16 }}>
              {t('ledger.verify.title')}
            </h3>
            <Typography.Paragraph type="secondary">{t('ledger.verify.intro')}</Typography.Paragraph>
            {!ready ? (
              <Alert type="info" showIcon data-testid="verify-waiting" title={t('ledger.verify.waiting')} />
            ) : !vkey ? (
              <Alert type="error" showIcon title={t('ledger.verify.nokey')} />
            ) : verification.isPending ? (
              <Spin />
            ) : verification.isError ? (
              <LoadError error={verification.error} />
            ) : (
              <>
                <List
                  size="small"
                  bordered
                  dataSource={verification.data.steps}
                  data-testid="verify-steps"
                  renderItem={(s) => (
                    <List.Item data-testid={`step-${s.id}`} data-ok={String(s.ok)}>
                      <Space>
                        <Mark ok={s.ok} />
                        {t(STEP_LABELS[s.id])}
                      </Space>
                    </List.Item>
                  )}
                />
                <Alert
                  style={{ marginTop: 12 }}
                  showIcon
                  type={verification.data.verified ? 'success' : 'error'}
                  data-testid="verdict"
                  data-verified={String(verification.data.verified)}
                  title={verification.data.verified ? t('ledger.verdict.ok') : t('ledger.verdict.fail')}
                />
              </>
            )}
          </section>
          {ready && vkey && (
            <section aria-labelledby="consistency-title">
              <h3 id="consistency-title" style={{ fontSize: 16 }}>
                {t('ledger.consistency.title')}
              </h3>
              {consistency.isPending ? (
                <Spin />
              ) : consistency.isError ? (
                <LoadError error={consistency.error} retry={() => void consistency.refetch()} />
              ) : (
                <div data-testid="consistency" data-ok={String(consistency.data.signed && consistency.data.consistent)}>
                  <List
                    size="small"
                    bordered
                    dataSource={[
                      { k: 'sig', ok: consistency.data.signed, text: t('ledger.consistency.signed', { size: consistency.data.to }) },
                      {
                        k: 'proof',
                        ok: consistency.data.consistent,
                        text: t('ledger.consistency.proof', { from: consistency.data.from, to: consistency.data.to }),
                      },
                    ]}
                    renderItem={(i) => (
                      <List.Item>
                        <Space>
                          <Mark ok={i.ok} />
                          {i.text}
                        </Space>
                      </List.Item>
                    )}
                  />
                  <Button style={{ marginTop: 8 }} onClick={() => void consistency.refetch()}>
                    {t('ledger.consistency.again')}
                  </Button>
                </div>
              )}
            </section>
          )}
        </Space>
      )}
    </Card>
  );
}
