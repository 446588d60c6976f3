import notifier from 'node-notifier';
import type { ToastBackend } from './toaster.ts';

/**
 * Toasts outside Electron (the web shell): node-notifier, which on Linux runs `notify-send`; it
 * needs a notification daemon on the session bus, and reports an error when there is none.
 */
export const nodeNotifierBackend: ToastBackend = {
  show: (toast) =>
    new Promise((resolve, reject) => {
      notifier.notify({ title: toast.title, message: toast.body, urgency: toast.urgency ?? 'normal', wait: false }, (error) =>
        error ? reject(error) : resolve(),
      );
    }),
};
