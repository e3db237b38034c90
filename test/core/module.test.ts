import Fastify from 'fastify';
import swagger from '@fastify/swagger';
import { describe, expect, it } from 'vitest';
import { orderModules, routePlugin } from '../../src/core/module.ts';

const mod = (name: string, ...dependsOn: string[]) => ({ name, dependsOn });
const names = (list: { name: string }[]) => list.map((m) => m.name);

describe('modules: order and validation of the declared list', () => {
  it('puts each module after the modules it depends on, otherwise keeps the order given', () => {
    expect(names(orderModules([mod('a'), mod('b'), mod('c')]))).toEqual(['a', 'b', 'c']);
    expect(names(orderModules([mod('catalog', 'registry', 'codelists'), mod('registry'), mod('codelists', 'registry'), mod('calendar')]))).toEqual([
      'registry',
      'codelists',
      'catalog',
      'calendar',
    ]);
  });

  it('refuses a module declared twice', () => {
    expect(() => orderModules([mod('a'), mod('b'), mod('a')])).toThrow('module "a" is declared twice');
  });

  it('refuses a dependency on a module that is not in the list', () => {
    expect(() => orderModules([mod('a'), mod('b', 'a', 'reports')])).toThrow('module "b" depends on "reports", which is not a module of the platform');
  });

  it('refuses a cycle, naming it', () => {
    expect(() => orderModules([mod('a', 'c'), mod('b', 'a'), mod('c', 'b')])).toThrow('modules depend on each other in a cycle: a → c → b → a');
    expect(() => orderModules([mod('a', 'a')])).toThrow('module "a" depends on itself');
  });
});

describe("modules: a module's routes are a named plugin with declared dependencies", () => {
  const plugin = routePlugin('alpha-routes', async (app) => {
    app.get('/ping', { schema: { tags: ['alpha'] } }, async () => ({ pong: true }));
  });

  it('is registered under its prefix, and its routes are in the OpenAPI document', async () => {
    const app = Fastify();
    await app.register(swagger, { openapi: { openapi: '3.1.0', info: { title: 't', version: '1' } } });
    await app.register(plugin, { prefix: '/api/v1' });
    await app.ready();
    expect((await app.inject({ method: 'GET', url: '/api/v1/ping' })).json()).toEqual({ pong: true });
    expect(Object.keys(app.swagger().paths ?? {})).toEqual(['/api/v1/ping']);
    await app.close();
  });

  it('Fastify refuses it before the OpenAPI plugin it depends on, or before a dependency it names', async () => {
    const early = Fastify();
    await expect(early.register(plugin, { prefix: '/api/v1' })).rejects.toThrow(/@fastify\/swagger/);
    await early.close();
    const app = Fastify();
    await app.register(swagger, { openapi: { openapi: '3.1.0', info: { title: 't', version: '1' } } });
    await expect(app.register(routePlugin('beta-routes', async () => undefined, ['alpha-routes']))).rejects.toThrow(/alpha-routes/);
    await app.close();
  });
});
