import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/platform.ts';
import { DRIVERS, type TestEnv, startEnv } from '../helpers/platform.ts';

for (const driver of DRIVERS) {
  describe(`[${driver}] HTTP server: operations endpoints and errors`, () => {
    let env: TestEnv;
    beforeAll(async () => {
      env = await startEnv(driver);
    });
    afterAll(() => env.close());

    const get = (url: string, headers: Record<string, string> = {}) => env.app.inject({ method: 'GET', url, headers });

    it('GET /healthz answers without the database', async () => {
      const res = await get('/healthz');
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ status: 'ok' });
    });

    it('GET /readyz is ready when the database answers and migrations are current, 503 otherwise', async () => {
      const ready = await get('/readyz');
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toEqual({ status: 'ready', database: driver, migrations: MIGRATIONS.length });

      const removed = await env.platform.db.query<{ id: string; checksum: string }>(
        "DELETE FROM schema_migrations WHERE id = 'catalog/0003_catalog' RETURNING id, checksum",
      );
      const pending = await get('/readyz');
      expect(pending.statusCode).toBe(503);
      expect(pending.json().detail_en).toMatch(/migration/);
      const m = removed.rows[0]!;
      await env.platform.db.query('INSERT INTO schema_migrations (id, checksum) VALUES ($1, $2)', [m.id, m.checksum]);
      expect((await get('/readyz')).statusCode).toBe(200);
    });

    it('GET /metrics exposes Prometheus text with request durations by route', async () => {
      await get('/healthz');
      const res = await get('/metrics');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(res.body).toMatch(/lienthong_http_request_duration_seconds_count\{method="GET",route="\/healthz",status="200"\} \d+/);
      expect(res.body).toContain('lienthong_process_cpu_user_seconds_total');
    });

    it('GET /openapi.json documents every API route with schemas and the problem type', async () => {
      const doc = (await get('/openapi.json')).json();
      expect(doc.openapi).toBe('3.1.0');
      for (const path of [
        '/api/v1/auth/login',
        '/api/v1/me',
        '/api/v1/agencies',
        '/api/v1/agencies/{code}',
        '/api/v1/systems',
        '/api/v1/users',
        '/api/v1/domains',
        '/api/v1/datasets',
        '/api/v1/datasets/{code}',
        '/readyz',
      ]) {
        expect(doc.paths, path).toHaveProperty([path]);
      }
      expect(doc.paths['/api/v1/datasets'].get.parameters.map((p: { name: string }) => p.name)).toEqual(
        expect.arrayContaining(['q', 'domain', 'custodian', 'classification', 'status', 'limit', 'offset']),
      );
      expect(doc.paths['/api/v1/datasets'].post.requestBody.content['application/json'].schema.required).toContain('custodian_code');
      expect(doc.components.schemas.Problem.properties).toHaveProperty('title_en');
      expect(doc.components.securitySchemes.bearerAuth.scheme).toBe('bearer');
    });

    it('serves the API reference page at /docs and the start page at /', async () => {
      const docs = await get('/docs/');
      expect(docs.statusCode).toBe(200);
      expect(docs.headers['content-type']).toMatch(/text\/html/);
      const home = await get('/');
      expect(home.body).toContain('Liên Thông');
    });

    it('unknown routes are 404 problem+json, and problem types resolve to their description', async () => {
      const res = await get('/khong-co-gi');
      expect(res.statusCode).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      const body = res.json();
      expect(body).toMatchObject({ type: '/problems/not-found', title: 'Không tìm thấy', title_en: 'Not found', status: 404, instance: '/khong-co-gi' });
      const described = (await get(body.type)).json();
      expect(described).toMatchObject({ title: 'Không tìm thấy', title_en: 'Not found', status: 404 });
    });

    it('keeps a well-formed caller request id and replaces a malformed one', async () => {
      expect((await get('/healthz', { 'x-request-id': 'trace-abc.123' })).headers['x-request-id']).toBe('trace-abc.123');
      const replaced = await get('/khong-co', { 'x-request-id': 'bad id with spaces' });
      expect(replaced.headers['x-request-id']).not.toBe('bad id with spaces');
      expect(replaced.json().request_id).toBe(replaced.headers['x-request-id']);
    });

    it('turns a database outage into 503 problem+json, never a stack trace', async () => {
      const auth = await env.adminAuth();
      await env.platform.db.close();
      const ready = await get('/readyz');
      expect(ready.statusCode).toBe(503);
      const api = await get('/api/v1/datasets', { authorization: auth });
      expect(api.statusCode).toBe(503);
      expect(api.headers['retry-after']).toBe('5');
      expect(api.headers['content-type']).toMatch(/problem\+json/);
      expect(api.body).not.toMatch(/\.ts:\d+|node_modules|at async/);
    });
  });
}
