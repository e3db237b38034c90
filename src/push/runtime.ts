import { type ModuleRuntime, routePlugin } from '../core/module.ts';
import type { Gateway } from '../gateway/index.ts';
import type { Push } from './index.ts';
import { consumerRoutes, keyRoutes, officialRoutes } from './routes.ts';

/** Subscriptions' routes (consumer under /data/v1, officials under /api/v1, keys at the root) and the dispatcher, looking for work every poll period. */
export function pushRuntime(push: Push, gateway: Gateway, pollMs: number): ModuleRuntime {
  return {
    routes: [
      { plugin: routePlugin('push-consumer-routes', consumerRoutes(gateway, push.subscriptions)), prefix: '/data/v1' },
      { plugin: routePlugin('push-official-routes', officialRoutes(push.subscriptions)), prefix: '/api/v1' },
      { plugin: routePlugin('push-key-routes', keyRoutes(push.keys)), prefix: '' },
    ],
    tags: [{ name: 'push', description: 'Đăng ký nhận dữ liệu (webhook) / Push subscriptions (webhooks), R-4.3, R-6.1c' }],
    jobs: [{ name: 'push deliveries', periodMs: pollMs, run: () => push.dispatcher.tick() }],
    close: () => push.close(),
  };
}
