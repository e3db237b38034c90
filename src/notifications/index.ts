import { sqlMigrations } from '../db/migrate.ts';

export const notificationMigrations = sqlMigrations(import.meta.url);
export { createNotificationService, type NotificationService } from './service.ts';
export { notificationRoutes } from './routes.ts';
