import type { FastifyPluginAsync } from 'fastify';
import fastifyPlugin from 'fastify-plugin';

/**
 * The shape every module of the platform has. A module declares itself in two halves:
 *
 * - its declaration (`src/<module>/module.ts`, built with `declareModule` of db/modules.ts): its name,
 *   the modules it depends on, its migrations and its reference data — what `lienthong migrate`
 *   and `status` need, loaded without any service, route or framework code;
 * - its running parts (`ModuleRuntime`, made by its `index.ts` from the constructed service):
 *   its routes with their OpenAPI tags, its background jobs and its shutdown.
 *
 * platform.ts constructs the services explicitly (order and types matter there) and joins the two
 * halves into one list; migrations, seeds, jobs and shutdown are taken from that list, and
 * http/server.ts registers the routes and tags of the same list.
 */

/** What the ordering needs of a module: its name and the names of the modules it depends on. */
export interface ModuleNode {
  readonly name: string;
  readonly dependsOn: readonly string[];
}

/** A tag of the OpenAPI document, described in both languages. */
interface OpenApiTag {
  name: string;
  description: string;
}

/** A group of a module's routes: a named plugin (see `routePlugin`) registered under `prefix`. */
interface ModuleRoutes {
  plugin: FastifyPluginAsync;
  /** '' for routes at the root (OAuth's well-known documents). */
  prefix: string;
}

/** Periodic work of a running server; `run` must be safe with several instances running it. */
interface ModuleJob {
  name: string;
  periodMs: number;
  run(): Promise<unknown>;
}

export interface ModuleRuntime {
  routes?: readonly ModuleRoutes[];
  /** The OpenAPI tags its routes use, in the order the document lists them. */
  tags?: readonly OpenApiTag[];
  jobs?: readonly ModuleJob[];
  /** Stops its work and lets go of what it holds; modules close in the reverse of their order, before the database. */
  close?(): Promise<void>;
}

/** The OpenAPI document is gathered as routes are added: a route registered before this plugin would be missing from it. */
const OPENAPI_PLUGIN = '@fastify/swagger';

/**
 * A module's routes as a Fastify plugin with a name and declared dependencies: Fastify refuses to
 * register it before them. It stays encapsulated (its hooks and decorators are its own) and so
 * takes the prefix it is registered under.
 */
export function routePlugin(name: string, plugin: FastifyPluginAsync, dependencies: readonly string[] = []): FastifyPluginAsync {
  return fastifyPlugin(plugin, { name, dependencies: [OPENAPI_PLUGIN, ...dependencies], encapsulate: true });
}

/**
 * The modules in an order where each comes after the modules it depends on, otherwise in the
 * order given. Throws on a duplicate name, an unknown dependency or a cycle, naming them, so a
 * wrong declaration stops the platform at start rather than failing some migration half-way.
 */
export function orderModules<M extends ModuleNode>(modules: readonly M[]): M[] {
  const byName = new Map<string, M>();
  for (const m of modules) {
    if (byName.has(m.name)) throw new Error(`module "${m.name}" is declared twice`);
    byName.set(m.name, m);
  }
  for (const m of modules) {
    for (const d of m.dependsOn) {
      if (!byName.has(d)) throw new Error(`module "${m.name}" depends on "${d}", which is not a module of the platform`);
      if (d === m.name) throw new Error(`module "${m.name}" depends on itself`);
    }
  }
  const ordered: M[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (m: M, path: string[]) => {
    if (state.get(m.name) === 'done') return;
    if (state.get(m.name) === 'visiting') {
      const loop = [...path.slice(path.indexOf(m.name)), m.name];
      throw new Error(`modules depend on each other in a cycle: ${loop.join(' → ')}`);
    }
    state.set(m.name, 'visiting');
    for (const d of m.dependsOn) visit(byName.get(d)!, [...path, m.name]);
    state.set(m.name, 'done');
    ordered.push(m);
  };
  for (const m of modules) visit(m, []);
  return ordered;
}
