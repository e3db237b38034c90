import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRIVERS, type TestEnv, startEnv } from '../helpers/platform.ts';

interface ParsedGroup {
  number: number;
  name: string;
  datasets: { name: string; custodian: string }[];
}

/**
 * Reads the Appendix table straight from the regulation's text, independently
 * of the seed JSON: one cell per line; a custodian cell (row-spanned) follows
 * the first dataset it covers and covers the ones after it.
 */
function parseAppendix(): ParsedGroup[] {
  const text = fs.readFileSync(new URL('../../reference/quy-dinh-384-QD-TW.txt', import.meta.url), 'utf8').normalize('NFC');
  const lines = text.split('\n').map((l) => l.trim());
  const start = lines.indexOf('Cơ quan chủ quản dữ liệu') + 1;
  const groups: ParsedGroup[] = [];
  let custodian = '';
  for (let i = start; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '' || line.startsWith('Nguồn tra cứu')) break;
    if (/^\d+$/.test(line)) {
      groups.push({ number: Number(line), name: lines[++i]!, datasets: [] });
      custodian = '';
    } else if (line.startsWith('Dữ liệu')) {
      groups.at(-1)!.datasets.push({ name: line, custodian });
    } else {
      custodian = line;
      const last = groups.at(-1)!.datasets.at(-1)!;
      last.custodian = line;
    }
  }
  return groups;
}

const ART10 = [
  'Chương trình công tác, báo cáo công tác tuần, tháng, quý, năm của các cơ quan lãnh đạo Đảng, Nhà nước và các đồng chí lãnh đạo Đảng, Nhà nước',
  'Dữ liệu báo cáo tổng hợp kinh tế - xã hội, quốc phòng - an ninh, đối ngoại',
];

for (const driver of DRIVERS) {
  describe(`[${driver}] R-8.2: the catalog equals the Appendix of Regulation 384`, () => {
    let env: TestEnv;
    let auth: string;
    beforeAll(async () => {
      env = await startEnv(driver);
      auth = await env.userAuth('doc.danh.muc', 'VPCP', ['consumer_admin']);
    });
    afterAll(() => env.close());

    const get = async (url: string) => {
      const res = await env.app.inject({ method: 'GET', url, headers: { authorization: auth } });
      expect(res.statusCode).toBe(200);
      return res.json();
    };

    it('has the 8 Appendix groups, every dataset, each with the custodian the seed names', async () => {
      const parsed = parseAppendix();
      expect(parsed.map((g) => g.datasets.length)).toEqual([10, 16, 7, 3, 6, 3, 7, 1]);
      const domains = (await get('/api/v1/domains')).filter((d: { source: string }) => d.source === 'appendix');
      expect(domains.map((d: { number: number; name_vi: string }) => [d.number, d.name_vi])).toEqual(parsed.map((g) => [g.number, g.name]));

      for (const [i, group] of parsed.entries()) {
        const page = await get(`/api/v1/datasets?domain=${domains[i].code}&limit=200`);
        expect(page.total).toBe(group.datasets.length);
        const actual = page.items.map((d: { name_vi: string; custodian_text: string }) => `${d.name_vi} ⟶ ${d.custodian_text}`).sort();
        expect(actual).toEqual(group.datasets.map((d) => `${d.name} ⟶ ${d.custodian}`).sort());
        // The custodian code points at the agency whose name the seed gives (R-4.1: exactly one custodian).
        for (const d of page.items) {
          const agency = await get(`/api/v1/agencies/${d.custodian_code}`);
          expect(d.custodian_text.startsWith(agency.name_vi)).toBe(true);
        }
      }
    });

    it('R-10: has the datasets shared among the 4 Central Offices', async () => {
      const page = await get('/api/v1/datasets?audience=central_offices&limit=200');
      expect(page.total).toBe(8);
      const names = page.items.map((d: { name_vi: string }) => d.name_vi);
      expect(names).toEqual(expect.arrayContaining(ART10));
      expect(page.items.every((d: { legal_basis: string }) => d.legal_basis.startsWith('Điều 10'))).toBe(true);
    });

    it('R-4.6 / R-18.1: every dataset is classified and publishes fields, frequency and format', async () => {
      const page = await get('/api/v1/datasets?limit=200');
      expect(page.total).toBe(61);
      for (const d of page.items) {
        expect(['normal', 'sensitive', 'secret', 'top_secret']).toContain(d.classification);
        expect(d.sharing_spec.fields.length).toBeGreaterThan(0);
        expect(d.sharing_spec.format).toBe('application/json');
        expect(d.status).toBe('published');
        expect(d.personal_data).toBe(d.sharing_spec.fields.some((f: { personal: string }) => f.personal !== 'none'));
      }
      const member = await get('/api/v1/datasets/can-bo-dang-vien');
      expect(member.sharing_spec.fields.map((f: { name: string }) => f.name)).toEqual(expect.arrayContaining(['full_name', 'date_of_birth']));
    });
  });
}
