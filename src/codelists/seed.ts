import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import countries from 'i18n-iso-countries';
import type { Queryable } from '../db/database.ts';
import { insertList } from './service.ts';
import { insertVersion } from './store.ts';
import type { CodeItem, CodeListInput } from './types.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const UNITS_FILE = path.resolve(here, '../../reference/don-vi-hanh-chinh/units-2025.json');

/** A shipped list: its definition, the date its first version takes effect, and its items. */
export interface ShippedList extends CodeListInput {
  effective_from: string;
  items(): CodeItem[];
}

interface Unit {
  Code: string;
  Name: string;
  NameEn: string;
  FullName: string;
  FullNameEn: string;
  CodeName: string;
}
interface Province extends Unit {
  Wards: Unit[];
}

/** "Thành phố Hà Nội" → "Thành phố"; "Đặc khu Côn Đảo" → "Đặc khu". */
function unitType(full: string, name: string): string {
  return full.endsWith(name) ? full.slice(0, full.length - name.length).trim() : full.split(' ')[0]!;
}

function adminUnits(): CodeItem[] {
  const provinces = JSON.parse(fs.readFileSync(UNITS_FILE, 'utf8')) as Province[];
  const item = (u: Unit, level: string, parent: string | null): CodeItem => ({
    code: u.Code,
    name_vi: u.Name.normalize('NFC'),
    name_en: u.NameEn,
    parent_code: parent,
    attributes: { level, type: unitType(u.FullName, u.Name).normalize('NFC'), full_name: u.FullName.normalize('NFC'), full_name_en: u.FullNameEn },
  });
  return provinces.flatMap((p) => [item(p, 'province', null), ...p.Wards.map((w) => item(w, 'commune', p.Code))]);
}

interface JsonList extends CodeListInput {
  effective_from: string;
  items: { code: string; name_vi: string; name_en: string; aliases?: string[] }[];
}

function fromJson(file: string): ShippedList {
  const d = JSON.parse(fs.readFileSync(path.join(here, 'seed', file), 'utf8')) as JsonList;
  return {
    code: d.code,
    name_vi: d.name_vi,
    name_en: d.name_en,
    issuer: d.issuer,
    legal_basis: d.legal_basis,
    source_note: d.source_note,
    effective_from: d.effective_from,
    items: () =>
      d.items.map((i) => ({
        code: i.code,
        name_vi: i.name_vi.normalize('NFC'),
        name_en: i.name_en,
        parent_code: null,
        attributes: (i.aliases?.length ? { aliases: i.aliases.join('; ') } : {}) as CodeItem['attributes'],
      })),
  };
}

function countryItems(): CodeItem[] {
  countries.registerLocale(require('i18n-iso-countries/langs/vi.json'));
  countries.registerLocale(require('i18n-iso-countries/langs/en.json'));
  const vi = countries.getNames('vi', { select: 'official' });
  const en = countries.getNames('en', { select: 'official' });
  return Object.keys(countries.getAlpha2Codes())
    .sort()
    .map((a2) => ({
      code: a2,
      name_vi: (vi[a2] ?? en[a2]!).normalize('NFC'),
      name_en: en[a2] ?? null,
      parent_code: null,
      attributes: { alpha3: countries.alpha2ToAlpha3(a2) ?? '', numeric: countries.alpha2ToNumeric(a2) ?? '' },
    }));
}

const simple =
  (rows: [string, string, string][]): (() => CodeItem[]) =>
  () =>
    rows.map(([code, name_vi, name_en]) => ({ code, name_vi, name_en, parent_code: null, attributes: {} }));

const PKG_VERSION = (require('i18n-iso-countries/package.json') as { version: string }).version;

export const SHIPPED_LISTS: ShippedList[] = [
  {
    code: 'don-vi-hanh-chinh',
    name_vi: 'Danh mục đơn vị hành chính Việt Nam',
    name_en: 'Administrative units of Viet Nam',
    issuer: 'Thủ tướng Chính phủ',
    legal_basis: 'Quyết định số 19/2025/QĐ-TTg (mã số đơn vị hành chính; chính quyền địa phương hai cấp từ 01/7/2025)',
    source_note:
      '34 tỉnh, thành phố (mã 2 chữ số) và 3.321 xã, phường, đặc khu (mã 5 chữ số); dữ liệu từ thanglequoc/vietnamese-provinces-database (MIT), bản 25/7/2026. Tỉnh là mục cha của xã.',
    effective_from: '2025-07-01',
    items: adminUnits,
  },
  fromJson('dan-toc.json'),
  fromJson('ton-giao.json'),
  {
    code: 'quoc-gia',
    name_vi: 'Danh mục quốc gia và vùng lãnh thổ',
    name_en: 'Countries and territories',
    issuer: 'ISO',
    legal_basis: 'ISO 3166-1 (mã alpha-2)',
    source_note: `Tên tiếng Việt và tiếng Anh từ gói i18n-iso-countries ${PKG_VERSION}; thuộc tính alpha3, numeric.`,
    effective_from: '2020-08-01',
    items: countryItems,
  },
  {
    code: 'gioi-tinh',
    name_vi: 'Danh mục giới tính',
    name_en: 'Sex',
    issuer: 'ISO/IEC',
    legal_basis: 'ISO/IEC 5218:2022; Bộ luật Dân sự 2015',
    source_note: 'Mã theo ISO/IEC 5218.',
    effective_from: '2022-01-01',
    items: simple([
      ['0', 'Chưa xác định', 'Not known'],
      ['1', 'Nam', 'Male'],
      ['2', 'Nữ', 'Female'],
      ['9', 'Không áp dụng', 'Not applicable'],
    ]),
  },
  {
    code: 'muc-do-phan-loai',
    name_vi: 'Mức độ phân loại dữ liệu',
    name_en: 'Data classification levels',
    issuer: 'Ban Bí thư',
    legal_basis: 'Khoản 6 Điều 4 Quy định 384-QĐ/TW ngày 19/11/2025',
    source_note: 'R-4.6',
    effective_from: '2025-11-19',
    items: simple([
      ['normal', 'Thường', 'Normal'],
      ['sensitive', 'Nhạy cảm', 'Sensitive'],
      ['secret', 'Mật', 'Secret'],
      ['top_secret', 'Tối mật', 'Top secret'],
    ]),
  },
  {
    code: 'cap-do-attt',
    name_vi: 'Cấp độ an toàn hệ thống thông tin',
    name_en: 'Information-security levels',
    issuer: 'Chính phủ',
    legal_basis: 'Luật An toàn thông tin mạng 2015, Điều 21; Nghị định 85/2016/NĐ-CP',
    source_note: 'Cấp độ 1 (thấp nhất) đến 5; tham gia chia sẻ cần cấp độ 3 trở lên (R-13.3).',
    effective_from: '2016-07-01',
    items: simple([
      ['1', 'Cấp độ 1', 'Level 1'],
      ['2', 'Cấp độ 2', 'Level 2'],
      ['3', 'Cấp độ 3', 'Level 3'],
      ['4', 'Cấp độ 4', 'Level 4'],
      ['5', 'Cấp độ 5', 'Level 5'],
    ]),
  },
  {
    code: 'muc-dich-khai-thac',
    name_vi: 'Mục đích khai thác, sử dụng dữ liệu',
    name_en: 'Purposes of data use',
    issuer: 'Văn phòng Trung ương Đảng',
    legal_basis: 'Quy định 384-QĐ/TW ngày 19/11/2025 (Điều 4.2, 5.2, 7, 10)',
    source_note: 'Mục đích khai báo trong đề nghị chia sẻ và trong mỗi yêu cầu (R-5.2).',
    effective_from: '2025-11-19',
    items: simple([
      ['lanh-dao-chi-dao', 'Phục vụ lãnh đạo, chỉ đạo, điều hành', 'Leadership, direction and administration'],
      ['quan-ly-nghiep-vu', 'Quản lý nghiệp vụ', 'Operational management'],
      ['to-chuc-can-bo', 'Công tác tổ chức, cán bộ', 'Organisation and personnel work'],
      ['kiem-tra-giam-sat', 'Kiểm tra, giám sát, kỷ luật', 'Inspection, supervision and discipline'],
      ['bao-cao-thong-ke', 'Báo cáo, thống kê, dự báo', 'Reporting, statistics and forecasting'],
      ['giai-quyet-khieu-nai-to-cao', 'Giải quyết khiếu nại, tố cáo', 'Handling complaints and denunciations'],
      ['nghien-cuu-khoa-hoc', 'Nghiên cứu khoa học', 'Scientific research'],
      ['phoi-hop-4-van-phong', 'Phối hợp giữa 4 Văn phòng Trung ương', 'Coordination among the four Central Offices'],
      ['dong-bo-du-lieu', 'Đồng bộ dữ liệu giữa các hệ thống', 'Synchronisation between systems'],
    ]),
  },
  {
    code: 'loai-co-quan',
    name_vi: 'Loại cơ quan',
    name_en: 'Agency kinds',
    issuer: 'Văn phòng Trung ương Đảng',
    legal_basis: 'Quy định 384-QĐ/TW ngày 19/11/2025 (Điều 2, 10, 18)',
    source_note: 'Dùng cho sổ đăng ký cơ quan của nền tảng.',
    effective_from: '2025-11-19',
    items: simple([
      ['party_leadership', 'Cơ quan lãnh đạo của Đảng', 'Party leadership body'],
      ['party_central_body', 'Cơ quan đảng ở Trung ương', 'Central Party body'],
      ['party_committee_central', 'Đảng ủy trực thuộc Trung ương', 'Party committee directly under the Centre'],
      ['provincial_party_committee', 'Tỉnh ủy, thành ủy', 'Provincial / city Party committee'],
      ['grassroots_party_org', 'Tổ chức cơ sở đảng', 'Grassroots Party organisation'],
      ['party_unit', 'Đơn vị sự nghiệp của Đảng', 'Party public-service unit'],
      ['state_body', 'Cơ quan nhà nước', 'State body'],
      ['other', 'Cơ quan, tổ chức khác', 'Other agency or organisation'],
    ]),
  },
];

/** Ships the lists that are missing (version 1 each); a list that exists is never touched. */
export async function seedCodeLists(tx: Queryable, now: Date): Promise<number> {
  const existing = new Set((await tx.query<{ code: string }>('SELECT code FROM code_lists')).rows.map((r) => r.code));
  let added = 0;
  for (const l of SHIPPED_LISTS.filter((x) => !existing.has(x.code))) {
    await insertList(tx, l, now);
    await insertVersion(
      tx,
      l.code,
      { effective_from: l.effective_from, legal_basis: l.legal_basis, note: 'Phiên bản phát hành cùng nền tảng / shipped with the platform' },
      l.items(),
      'system',
      now,
    );
    added++;
  }
  return added;
}
