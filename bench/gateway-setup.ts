/**
 * Prepares the database the gateway benchmark's server runs on, through the platform's own
 * services (as the operators would through the console): a consumer system with a connection
 * account, approved agreements for a hosted dataset (can-bo-dang-vien) and a proxy dataset
 * (khen-thuong, served by the benchmark's upstream), and one hosted record.
 */
import crypto from 'node:crypto';
import type { Config } from '../src/core/config.ts';
import { vietnamDate } from '../src/core/time.ts';
import { openPlatform } from '../src/platform.ts';
import type { Principal, Role } from '../src/registry/principal.ts';

export const HOSTED = { dataset: 'can-bo-dang-vien', key: 'dv-1', purpose: 'to-chuc-can-bo' };
export const PROXIED = { dataset: 'khen-thuong', key: 'KT-1', purpose: 'to-chuc-can-bo' };

const as = (username: string, agencyCode: string, roles: Role[]): Principal => ({
  userId: crypto.randomUUID(),
  username,
  fullName: username,
  agencyCode,
  roles,
  sessionId: 'bench',
  sessionExpiresAt: new Date(Date.now() + 3600_000),
});

export async function prepareGatewayWorld(config: Config, upstreamUrl: string): Promise<{ clientId: string; clientSecret: string }> {
  const p = await openPlatform(config);
  try {
    const consumer = as('bench.vpcp', 'VPCP', ['consumer_admin']);
    const custodian = as('bench.btctw', 'BTCTW', ['custodian_admin']);
    // A fresh system each run, so a reused PostgreSQL database takes a second run too.
    const system = `VPCP-BENCH-${crypto.randomBytes(3).toString('hex').toUpperCase()}`;
    await p.registry.systems.create(consumer, {
      code: system,
      agency_code: 'VPCP',
      name_vi: 'Hệ thống đo hiệu năng',
      name_en: 'Benchmark system',
      security_level: 3,
      zone: 'internet',
    });
    // the declared level counts once the coordinator has recorded its decision.
    const coordinator = as('bench.vptw', 'VPTW', ['coordinator']);
    await p.registry.systems.recordDecision(coordinator, system, {
      security_level: 3,
      decision_number: '1/QĐ-BENCH',
      decided_on: vietnamDate(new Date()),
      issuer: 'Văn phòng Trung ương Đảng',
      document_reference: 'Đo hiệu năng',
    });
    const kt = await p.catalog.datasets.get(PROXIED.dataset);
    if (kt.mode !== 'proxy') await p.catalog.datasets.update(custodian, PROXIED.dataset, { mode: 'proxy' });
    await p.upstreams.set(custodian, PROXIED.dataset, { base_url: upstreamUrl, auth: 'none', timeout_ms: 10_000 });
    const today = vietnamDate(new Date());
    const until = vietnamDate(new Date(Date.now() + 300 * 86_400_000));
    const grants = [
      { dataset_code: HOSTED.dataset, requested_fields: ['member_number', 'full_name', 'date_of_birth', 'province_code'] },
      { dataset_code: PROXIED.dataset, requested_fields: ['award_id', 'recipient_name', 'award_form'] },
    ];
    for (const g of grants) {
      const a = await p.agreements.service.request(consumer, {
        ...g,
        system_code: system,
        purpose_code: HOSTED.purpose,
        purpose_text: 'Đo hiệu năng cổng dữ liệu',
        legal_basis: 'Quy định 384-QĐ/TW',
        forms: ['api'],
        frequency: 'theo yêu cầu',
        valid_from: today,
        valid_to: until,
      });
      await p.agreements.service.approve(custodian, a.id, {});
    }
    await p.sync.records.writeAs('bench', HOSTED.dataset, [
      {
        key: HOSTED.key,
        data: {
          member_number: '01.000001',
          full_name: 'Nguyễn Văn An',
          citizen_id: '001085000001',
          date_of_birth: '1985-01-01',
          gender: '1',
          province_code: '01',
          admission_date: '2010-05-19',
          party_organisation_code: 'DB-01',
        },
      },
    ]);
    const created = await p.accounts.accounts.create(consumer, { system_code: system, name: 'Benchmark', auth_method: 'client_secret' });
    return { clientId: created.account.client_id, clientSecret: created.client_secret! };
  } finally {
    await p.close();
  }
}
