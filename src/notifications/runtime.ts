import { type ModuleRuntime, routePlugin } from '../core/module.ts';
import { notificationRoutes } from './routes.ts';
import type { NotificationService } from './service.ts';

/** The inbox's routes, and webhook deliveries every 2 s (a delivery is updated by whoever sends it). */
export function notificationsRuntime(notifications: NotificationService): ModuleRuntime {
  return {
    routes: [{ plugin: routePlugin('notifications-routes', notificationRoutes(notifications)), prefix: '/api/v1' }],
    tags: [{ name: 'inbox', description: 'Hộp thư, webhook / Inbox and webhook' }],
    jobs: [{ name: 'webhook deliveries', periodMs: 2_000, run: () => notifications.deliverDue() }],
  };
}
