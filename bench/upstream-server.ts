/**
 * The custodian service both proxies forward to (bench/gateway.ts): Fastify answering
 * GET /records/:key with one fixed award record, in its own process.
 */
import Fastify from 'fastify';

const RECORD = {
  award_id: 'KT-1',
  recipient_type: 'individual',
  recipient_name: 'Trần Thị Bình',
  member_number: '01.100001',
  award_form: 'Huy hiệu 30 năm tuổi Đảng',
  decision_number: '1-QĐ/TW',
  decision_date: '2026-02-03',
  issuing_body: 'Ban Bí thư',
};
const app = Fastify({ logger: false });
app.get('/records/:key', async () => RECORD);
await app.listen({ host: '127.0.0.1', port: 0 });
const addr = app.server.address();
console.log(`upstream listening on port ${typeof addr === 'object' && addr ? addr.port : '?'}`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
