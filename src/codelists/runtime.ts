import { type ModuleRuntime, routePlugin } from '../core/module.ts';
import { codeListRoutes } from './routes.ts';
import type { CodeLists } from './index.ts';

/** Shared code lists' routes; an import's body may be as large as `importLimit`. */
export function codeListsRuntime(codeLists: CodeLists, importLimit: number): ModuleRuntime {
  return {
    routes: [{ plugin: routePlugin('codelists-routes', codeListRoutes(codeLists, importLimit)), prefix: '/api/v1' }],
    tags: [{ name: 'code-lists', description: 'Danh mục dùng chung / Shared code lists (R-3.4)' }],
  };
}
