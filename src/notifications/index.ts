
export { createNotificationService, type NotificationService } from './service.ts';
export { notificationRoutes } from './routes.ts';
