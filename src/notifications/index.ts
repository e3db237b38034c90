
export { createNotificationService, type NotificationService } from './service.ts';
export { notificationRoutes } from './routes.ts';

export { notificationsModule } from './module.ts';
export { notificationsRuntime } from './runtime.ts';
