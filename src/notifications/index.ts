export { createNotificationService, type NotificationService } from './service.ts';

export { notificationsRuntime } from './runtime.ts';
