import crypto from 'node:crypto';
import ExcelJS from 'exceljs';
import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../src/ledger/index.ts';
import { DRIVERS } from '../helpers/platform.ts';
import { type World, member, startWorld } from '../gateway/world.ts';
import { settleLogs } from './helpers.ts';

interface Finding {
  id: string;
  rule: string;
  owner_agency: string;
  subject_type: string;
  subject_id: string;
  status: string;
  severity?: string;
  summary_vi: string;
  closed_by: string | null;
  closed_automatically: boolean | null;
  evidence: { href: string }[];
}

const DAY = 86_400_000;

for (const driver of DRIVERS) {
  describe(`[${driver}] reports: catalog review, oversight rules and data audits (R-18.1, R-18.2)`, () => {
    let w: World;
    beforeAll(async () => {
      w = await startWorld(driver);
    });
    afterAll(() => w.env.close());
    const admin = () => w.env.adminAuth();
    // Signed in afresh each time: the tests move the clock past sessions' lifetime.
    const as = (username: string) => w.env.login(username, `mat-khau-${username}-2025`);
    const ok = async (res: { statusCode: number; body: string; json(): unknown }, status = 200) => {
      expect(res.statusCode, res.body).toBe(status);
      return res.json() as Record<string, unknown> & { [k: string]: never };
    };
    const run = async () => {
      const res = await w.call('POST', '/api/v1/reports/findings/run', await admin());
      expect(res.statusCode, res.body).toBe(200);
      return res.json() as { by_rule: { rule: string; subject_type: string | null; opened: number; closed: number }[] };
    };
    const findings = async (query: string, auth?: string) =>
      ((await w.call('GET', `/api/v1/reports/findings?limit=200${query}`, auth ?? (await admin()))).json() as { items: Finding[] }).items;
    const one = async (rule: string, subject: string, status = '') => (await findings(`&rule=${rule}${status}`)).filter((f) => f.subject_id === subject);
    const dataset = async (code: string) => {
      const res = await w.call('GET', `/api/v1/datasets/${code}`, (await as('cq.btctw')));
      return { body: res.json() as { version: number; sharing_spec: Record<string, unknown>; classification: string }, etag: String(res.headers.etag) };
    };
    const patchDataset = async (code: string, patch: object) => {
      const d = await dataset(code);
      return ok(await w.call('PATCH', `/api/v1/datasets/${code}`, (await as('cq.btctw')), patch, { 'if-match': d.etag }));
    };
    /** A log entry written straight into the custodian's log, as one with database access would: properly appended, so the log verifies. */
    const appendBehindTheBack = async (log: string, e: Partial<LedgerEntry> & Pick<LedgerEntry, 'requester' | 'dataset' | 'agreement_ids'>, fields: string[]) => {
      const now = w.env.clock.now().toISOString();
      const entry: LedgerEntry = {
        requested_at: now,
        responded_at: now,
        form: 'api',
        request: { method: 'GET', resource: `/data/v1/datasets/${e.dataset}/records/dv-1`, query: {}, purpose: null, fields },
        record_keys: ['dv-1'],
        response: { status: 200, content_sha256: crypto.randomBytes(32).toString('hex'), content_kept: false, bytes: 120, rule: null },
        policy_version: 'g1',
        trace_id: crypto.randomUUID(),
        gateway_instance: 'ke-tan-cong',
        ...e,
      };
      const p = w.env.platform;
      return p.db.transaction((tx) => p.ledger.append(tx, log, entry));
    };
    const agreementOf = async (system: string, datasetCode: string) => {
      const page = (await w.call('GET', `/api/v1/agreements?system=${system}&dataset=${datasetCode}&status=active`, await admin())).json() as {
        items: { id: string; granted_fields: string[] }[];
      };
      return page.items[0]!;
    };

    it('R-18.1: the custodian confirms its datasets for the year, unchanged or changed through the catalog edit path; the coordinator follows progress per custodian', async () => {
      const list = await ok(await w.call('GET', '/api/v1/catalog/reviews/2026', (await as('cq.btctw'))));
      const items = list as unknown as { dataset_code: string; custodian_code: string; review: unknown }[];
      expect(items.length).toBeGreaterThan(0);
      expect(items.every((i) => i.custodian_code === 'BTCTW' && i.review === null)).toBe(true);

      const tcd = await dataset('to-chuc-dang');
      const confirmed = await ok(
        await w.call('POST', '/api/v1/datasets/to-chuc-dang/reviews', (await as('cq.btctw')), { version: tcd.body.version, note: 'Giữ nguyên đặc tả' }),
        201,
      );
      expect(confirmed).toMatchObject({ year: 2026, outcome: 'confirmed', reviewed_by: 'cq.btctw', custodian_code: 'BTCTW' });

      // Changed through the catalog's own edit path, then confirmed: the review says "changed".
      const kt = await dataset('khen-thuong');
      const stale = await w.call('POST', '/api/v1/datasets/khen-thuong/reviews', (await as('cq.btctw')), { version: kt.body.version - 1 });
      expect(stale.statusCode).toBe(412);
      await patchDataset('khen-thuong', { sharing_spec: { ...kt.body.sharing_spec, frequency: 'weekly' } });
      const changed = await ok(
        await w.call('POST', '/api/v1/datasets/khen-thuong/reviews', (await as('cq.btctw')), { version: (await dataset('khen-thuong')).body.version }),
        201,
      );
      expect(changed).toMatchObject({ outcome: 'changed' });

      // Another agency neither confirms the custodian's datasets nor reviews a future year.
      const other = await w.call('POST', '/api/v1/datasets/to-chuc-dang/reviews', (await as('cq.bnctw')), { version: tcd.body.version });
      expect(other.statusCode).toBe(403);
      expect(other.json().rule).toBe('R-18.1');
      const future = await w.call('POST', '/api/v1/datasets/to-chuc-dang/reviews', (await as('cq.btctw')), { version: tcd.body.version, year: 2027 });
      expect(future.statusCode).toBe(422);

      const progress = (await ok(await w.call('GET', '/api/v1/catalog/reviews/2026/progress', await admin()))) as unknown as {
        deadline: string;
        custodians: { custodian_code: string; total: number; reviewed: number; changed: number }[];
      };
      expect(progress.deadline).toBe('2026-12-24');
      const btctw = progress.custodians.find((c) => c.custodian_code === 'BTCTW')!;
      expect(btctw).toMatchObject({ reviewed: 2, changed: 1 });
      expect(btctw.total).toBe(items.length);
      expect(progress.custodians.length).toBeGreaterThan(1);
      // The custodian sees its own line only.
      const own = (await ok(await w.call('GET', '/api/v1/catalog/reviews/2026/progress', (await as('cq.btctw'))))) as unknown as { custodians: unknown[] };
      expect(own.custodians).toHaveLength(1);
      const reviews = (await ok(await w.call('GET', '/api/v1/datasets/khen-thuong/reviews', (await as('kt.vpcp'))))) as unknown as unknown[];
      expect(reviews).toHaveLength(1);
    });

    it('R-18.2 audit: sampling catches an exchange served outside its grant, written into the log behind the platform back; the log still verifies and is consistent with the checkpoint seen before', async () => {
      await w.client('BTCTW-CSDL').putRecord('can-bo-dang-vien', 'dv-1', member(1));
      await settleLogs(w);
      const seen = (await ok(await w.call('GET', '/api/v1/ledger/BTCTW/checkpoint', (await as('kt.vpcp'))))) as unknown as { tree_size: number; root_hash: string };

      // A legitimate read within its grant.
      await w.clients['VPCP-QLCB'].getRecord('can-bo-dang-vien', 'dv-1');
      // VPCP-TK is granted member_number and gender only; the log shows it was served the name and citizen ID.
      const tk = await agreementOf('VPCP-TK', 'can-bo-dang-vien');
      expect(tk.granted_fields.sort()).toEqual(['gender', 'member_number']);
      const receipt = await appendBehindTheBack(
        'BTCTW',
        { requester: { agency: 'VPCP', system: 'VPCP-TK', account: null }, dataset: 'can-bo-dang-vien', agreement_ids: [tk.id] },
        ['member_number', 'full_name', 'citizen_id'],
      );
      await settleLogs(w);

      const refused = await w.call('POST', '/api/v1/reports/audits', (await as('cq.btctw')), { custodian: 'BTCTW', from: '2026-03-02', to: '2026-03-02' });
      expect(refused.statusCode).toBe(403);

      const res = await w.call('POST', '/api/v1/reports/audits', await admin(), {
        custodian: 'BTCTW',
        from: '2026-03-02',
        to: '2026-03-02',
        sample_size: 1000,
        seen_checkpoint: { tree_size: seen.tree_size, root_hash: seen.root_hash },
      });
      const audit = (await ok(res, 201)) as unknown as {
        id: string;
        ok: boolean;
        result: {
          verification: { ok: boolean; entries: number };
          consistency: { checked: boolean; ok: boolean; from_size: number };
          population: { served: number };
          sample: { size: number; violations: number; items: { leaf_index: number; receipt_id: string; ok: boolean; problems: { code: string }[]; evidence: { href: string }[] }[] };
        };
      };
      expect(audit.result.verification.ok).toBe(true);
      expect(audit.result.consistency).toMatchObject({ checked: true, ok: true, from_size: seen.tree_size });
      expect(audit.ok).toBe(false);
      expect(audit.result.population.served).toBe(2);
      expect(audit.result.sample.size).toBe(2);
      expect(audit.result.sample.violations).toBe(1);
      const bad = audit.result.sample.items.find((i) => !i.ok)!;
      expect(bad.receipt_id).toBe(receipt.id);
      expect(bad.problems.map((p) => p.code)).toEqual(['field_not_granted']);
      expect(bad.evidence.map((e) => e.href)).toContain(`/api/v1/ledger/receipts/${receipt.id}`);
      expect(bad.leaf_index).toBeGreaterThanOrEqual(seen.tree_size);

      // The report: the workbook's every number with its evidence.
      const xlsx = await w.call('GET', `/api/v1/reports/audits/${audit.id}/report.xlsx`, await admin());
      expect(xlsx.statusCode).toBe(200);
      expect(xlsx.headers['content-type']).toMatch(/spreadsheetml/);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
      const summary = wb.getWorksheet('Tóm tắt - Summary')!;
      const rows = summary.getSheetValues().filter(Boolean) as unknown[][];
      const violations = rows.find((r) => String(r[1]).startsWith('Giao dịch vi phạm'))!;
      expect(violations[2]).toBe(1);
      expect(String(violations[3])).toContain(receipt.id);
      expect(String(violations[3])).toContain(`BTCTW#${bad.leaf_index}`);

      // The same report as a Party document of the Office: its text, extracted from the PDF, in Vietnamese with its diacritics.
      const pdf = await w.call('GET', `/api/v1/reports/audits/${audit.id}/report.pdf`, await admin());
      expect(pdf.statusCode).toBe(200);
      expect(pdf.headers['content-type']).toBe('application/pdf');
      const { text } = await extractText(await getDocumentProxy(new Uint8Array(pdf.rawPayload)), { mergePages: true });
      const words = text.normalize('NFC').replace(/\s+/g, ' ');
      for (const heading of ['VĂN PHÒNG TRUNG ƯƠNG ĐẢNG', 'ĐẢNG CỘNG SẢN VIỆT NAM', 'BÁO CÁO', 'Kết quả kiểm toán dữ liệu của BTCTW', 'Giao dịch vi phạm trong mẫu'])
        expect(words).toContain(heading);
      // (a long id may be broken across lines of its table cell, at a hyphen)
      expect(words.replace(/\s+/g, '')).toContain(receipt.id);

      // A checkpoint the log cannot be consistent with: history rewritten.
      const forged = await w.call('POST', '/api/v1/reports/audits', await admin(), {
        custodian: 'BTCTW',
        from: '2026-03-02',
        to: '2026-03-02',
        seen_checkpoint: { tree_size: seen.tree_size, root_hash: crypto.randomBytes(32).toString('base64') },
      });
      expect(((await ok(forged, 201)) as unknown as { result: { consistency: { ok: boolean } } }).result.consistency.ok).toBe(false);

      // The custodian reads its audits; another agency does not.
      expect((await w.call('GET', `/api/v1/reports/audits/${audit.id}`, (await as('cq.btctw')))).statusCode).toBe(200);
      expect((await w.call('GET', `/api/v1/reports/audits/${audit.id}`, (await as('cq.bnctw')))).statusCode).toBe(404);
      const list = (await ok(await w.call('GET', '/api/v1/reports/audits?custodian=BTCTW', await admin()))) as unknown as { total: number };
      expect(list.total).toBe(2);
    });

    it('R-18.1: a published dataset without fields is a finding of its custodian; publishing its fields closes it', async () => {
      const created = await w.call('POST', '/api/v1/datasets', (await as('cq.btctw')), {
        code: 'thu-nghiem-dac-ta',
        name_vi: 'Dữ liệu thử nghiệm đặc tả',
        name_en: 'Specification trial',
        domain_code: 'to-chuc-xay-dung-dang',
        custodian_code: 'BTCTW',
        classification: 'normal',
        personal_data: false,
        status: 'published',
        sharing_spec: { fields: [], frequency: 'monthly', format: 'application/json' },
      });
      expect(created.statusCode, created.body).toBe(201);
      await run();
      const [f] = await one('R-18.1', 'thu-nghiem-dac-ta', '&status=open');
      expect(f).toMatchObject({ owner_agency: 'BTCTW', subject_type: 'dataset_spec' });
      const d = await dataset('thu-nghiem-dac-ta');
      await patchDataset('thu-nghiem-dac-ta', {
        sharing_spec: {
          ...d.body.sharing_spec,
          fields: [{ name: 'ma', type: 'string', label_vi: 'Mã', label_en: 'Code', personal: 'none', required: true }],
        },
      });
      await run();
      expect((await w.call('GET', `/api/v1/reports/findings/${f!.id}`, (await as('cq.btctw')))).json()).toMatchObject({ status: 'resolved', closed_automatically: true });
    });

    it('R-11: a dataset reclassified secret while an agreement approved by one person is in force is a finding; classified back, it closes', async () => {
      const kt = await agreementOf('VPCP-QLCB', 'khen-thuong');
      await patchDataset('khen-thuong', { classification: 'secret' });
      const res = await run();
      expect(res.by_rule.find((r) => r.rule === 'R-11')!.opened).toBe(1);
      const [f] = await one('R-11', kt.id, '&status=open');
      expect(f).toMatchObject({ owner_agency: 'BTCTW', subject_type: 'agreement' });
      // The secret agreement approved in two steps (vu-an) is not a finding.
      const vuAn = await agreementOf('VPCP-MAT', 'vu-an');
      expect(await one('R-11', vuAn.id)).toEqual([]);
      await patchDataset('khen-thuong', { classification: 'normal' });
      expect((await run()).by_rule.find((r) => r.rule === 'R-11')!.closed).toBe(1);
    });

    it('R-4.7: hosted data older than its frequency promises is a finding of quality; a fresh write closes it', async () => {
      const d = await dataset('can-bo-dang-vien');
      await patchDataset('can-bo-dang-vien', { sharing_spec: { ...d.body.sharing_spec, frequency: 'daily' } });
      w.env.clock.advance(2 * DAY);
      await run();
      const [f] = await one('R-4.7', 'can-bo-dang-vien', '&status=open');
      expect(f).toMatchObject({ owner_agency: 'BTCTW', subject_type: 'dataset' });
      expect(f!.summary_vi).toMatch(/không còn sống/);
      await w.client('BTCTW-CSDL').putRecord('can-bo-dang-vien', 'dv-2', member(2));
      await run();
      expect((await w.call('GET', `/api/v1/reports/findings/${f!.id}`, await admin())).json()).toMatchObject({ status: 'resolved', closed_automatically: true });
    });

    it('R-4.2: an exchange logged under an agreement after its validity ended is a finding pointing to the entry; resolved by a person, it is not opened again', async () => {
      const today = new Date(w.env.clock.now().getTime() + 7 * 3600_000).toISOString().slice(0, 10);
      const a = (await ok(
        await w.call('POST', '/api/v1/agreements', (await as('kt.vpcp')), {
          dataset_code: 'to-chuc-dang',
          system_code: 'VPCP-TK',
          purpose_code: 'bao-cao-thong-ke',
          purpose_text: 'Thống kê tổ chức đảng',
          legal_basis: 'Quy định 384-QĐ/TW, Điều 8.1a',
          requested_fields: ['organisation_code'],
          forms: ['api'],
          frequency: 'theo yêu cầu',
          valid_from: today,
          valid_to: today,
        }),
        201,
      )) as unknown as { id: string };
      await ok(await w.call('POST', `/api/v1/agreements/${a.id}/approve`, (await as('cq.btctw')), {}));
      w.env.clock.advance(2 * DAY);
      await appendBehindTheBack('BTCTW', { requester: { agency: 'VPCP', system: 'VPCP-TK', account: null }, dataset: 'to-chuc-dang', agreement_ids: [a.id] }, [
        'organisation_code',
      ]);
      await settleLogs(w);
      await run();
      const [f] = await one('R-4.2', a.id, '&status=open');
      expect(f).toMatchObject({ owner_agency: 'BTCTW', subject_type: 'agreement' });
      expect(f!.evidence.some((e) => e.href.startsWith('/api/v1/ledger/BTCTW/entries'))).toBe(true);
      await ok(await w.call('POST', `/api/v1/reports/findings/${f!.id}/resolve`, (await as('cq.btctw')), { reason: 'Đã khắc phục lỗi cấu hình dịch vụ' }));
      await run();
      expect(await one('R-4.2', a.id, '&status=open')).toEqual([]);
    });

    it('R-15.5: a consumer suspension notified more than 1 day after the violation was found is a finding of the custodian', async () => {
      const tk = await agreementOf('VPCP-TK', 'can-bo-dang-vien');
      const s = (await ok(
        await w.call('POST', '/api/v1/consumer-suspensions', (await as('cq.btctw')), {
          agreement_id: tk.id,
          ground: 'purpose_violation',
          violation: 'Khai thác ngoài mục đích thống kê',
          handling: 'Tạm ngừng kết nối để xác minh',
          requirements: 'Báo cáo giải trình mục đích khai thác',
          found_at: new Date(w.env.clock.now().getTime() - 4 * DAY).toISOString(),
        }),
        201,
      )) as unknown as { id: string; notice_late: boolean };
      expect(s.notice_late).toBe(true);
      await run();
      const [f] = await one('R-15.5', s.id, '&status=open');
      expect(f).toMatchObject({ owner_agency: 'BTCTW', subject_type: 'consumer_suspension' });
      await ok(await w.call('POST', `/api/v1/consumer-suspensions/${s.id}/restore`, (await as('cq.btctw')), { reason: 'Đã giải trình' }));
    });

    it('R-17.1: a sharing log not verified for 7 days is a finding; verifying it records the result and closes it', async () => {
      w.env.clock.advance(8 * DAY);
      await run();
      const [f] = await one('R-17.1', 'BTCTW', '&status=open');
      expect(f).toMatchObject({ owner_agency: 'BTCTW', subject_type: 'sharing_log' });
      expect((await w.call('POST', '/api/v1/reports/logs/verify', (await as('cq.btctw')))).statusCode).toBe(403);
      const verified = (await ok(await w.call('POST', '/api/v1/reports/logs/verify', await admin()))) as unknown as { log: string; ok: boolean }[];
      expect(verified.find((v) => v.log === 'BTCTW')).toMatchObject({ ok: true });
      await run();
      expect((await w.call('GET', `/api/v1/reports/findings/${f!.id}`, await admin())).json()).toMatchObject({ status: 'resolved', closed_automatically: true });
      const history = (await ok(await w.call('GET', '/api/v1/reports/logs/BTCTW/verifications', (await as('cq.btctw'))))) as unknown as { audit_id: string | null }[];
      expect(history.length).toBeGreaterThanOrEqual(3); // two audits and this verification
      expect((await w.call('GET', '/api/v1/reports/logs/BTCTW/verifications', (await as('cq.bnctw')))).statusCode).toBe(404);
    });

    it('R-18.1: after 24/12 (Viet Nam date) every dataset not reviewed for the year is a finding; a late review closes it', async () => {
      // 17:00 UTC on 24/12 is 00:00 on 25/12 in Viet Nam.
      const target = Date.parse('2026-12-24T17:30:00Z');
      w.env.clock.advance(target - w.env.clock.now().getTime());
      await run();
      const open = await findings('&rule=R-18.1&status=open');
      const reviews = open.filter((f) => f.subject_type === 'dataset_review');
      expect(reviews.map((f) => f.subject_id)).toContain('can-bo-dang-vien/2026');
      expect(reviews.map((f) => f.subject_id)).not.toContain('to-chuc-dang/2026');
      expect(reviews.map((f) => f.subject_id)).not.toContain('khen-thuong/2026');
      const f = reviews.find((x) => x.subject_id === 'can-bo-dang-vien/2026')!;
      expect(f.owner_agency).toBe('BTCTW');
      const late = await ok(
        await w.call('POST', '/api/v1/datasets/can-bo-dang-vien/reviews', (await as('cq.btctw')), { version: (await dataset('can-bo-dang-vien')).body.version }),
        201,
      );
      expect(late).toMatchObject({ year: 2026, outcome: 'changed' });
      await run();
      expect((await w.call('GET', `/api/v1/reports/findings/${f.id}`, (await as('cq.btctw')))).json()).toMatchObject({ status: 'resolved', closed_automatically: true });
    });

    it('R-17.1: a sharing log that fails verification (an entry edited behind the platform back) is a high-severity finding', async () => {
      const db = w.env.platform.db;
      const { queue_id } = (await db.query<{ queue_id: string }>("SELECT queue_id FROM ledger_entries WHERE custodian_code = 'BTCTW' AND leaf_index = 0")).rows[0]!;
      await db.transaction(async (tx) => {
        // As the database superuser, with the immutability triggers switched off.
        await tx.query("SET LOCAL session_replication_role = 'replica'");
        await tx.query(
          "UPDATE ledger_queue SET leaf = convert_to(replace(convert_from(leaf, 'UTF8'), '\"gateway_instance\":\"', '\"gateway_instance\":\"x'), 'UTF8') WHERE id = $1",
          [queue_id],
        );
      });
      const verified = (await ok(await w.call('POST', '/api/v1/reports/logs/verify', await admin()))) as unknown as { log: string; ok: boolean; divergence: { index: number } }[];
      expect(verified.find((v) => v.log === 'BTCTW')).toMatchObject({ ok: false, divergence: { index: 0 } });
      await run();
      const [f] = await one('R-17.1', 'BTCTW', '&status=open');
      expect(f).toMatchObject({ owner_agency: 'BTCTW', subject_type: 'sharing_log', severity: 'high' });
      expect(f!.summary_vi).toMatch(/không đạt/);
    });
  });
}
