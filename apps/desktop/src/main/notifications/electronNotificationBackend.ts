import { Notification } from 'electron';
import type { ToastBackend } from './toaster.ts';

/** Toasts inside Electron: its Notification, which uses the OS's own notification service. */
export const electronNotificationBackend: ToastBackend = {
  show: (toast) =>
    new Promise((resolve, reject) => {
      if (!Notification.isSupported()) return reject(new Error('notifications are not supported on this desktop'));
      const notification = new Notification({ title: toast.title, body: toast.body, urgency: toast.urgency ?? 'normal' });
      notification.once('show', () => resolve());
      notification.once('failed', (_event, error) => reject(new Error(error)));
      notification.show();
    }),
};
