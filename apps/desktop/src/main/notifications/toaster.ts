import { isDoNotDisturb } from './doNotDisturb.ts';

/** One desktop notification. `category` says what it is about (e.g. 'approval-request'), so the user can mute a kind. */
export interface Toast {
  readonly category: string;
  readonly title: string;
  readonly body: string;
  readonly urgency?: 'low' | 'normal' | 'critical';
}

export type ToastResult = 'shown' | 'suppressed' | 'failed';

/** What actually puts a toast on screen: Electron's Notification, or node-notifier outside Electron. Rejects when it could not. */
export interface ToastBackend {
  show(toast: Toast): Promise<void>;
}

export interface Toaster {
  /** Shows the toast unless the desktop is in do-not-disturb or its category is muted; never throws. */
  show(toast: Toast): Promise<ToastResult>;
  /** Mutes or unmutes a category (a user's setting, e.g. the approver's "toast for each new request"). */
  mute(category: string, muted: boolean): void;
  isMuted(category: string): boolean;
}

export interface ToasterOptions {
  readonly backend: ToastBackend;
  /** Whether the desktop asks for silence now; the platform's setting by default. */
  readonly doNotDisturb?: () => Promise<boolean>;
  /** Why a toast failed, for the log (a failed toast must never break the caller). */
  readonly onFailure?: (toast: Toast, error: Error) => void;
}

/** The suite's desktop notifications: general on purpose, so every part of main shows toasts the same way. */
export function createToaster(options: ToasterOptions): Toaster {
  const muted = new Set<string>();
  const doNotDisturb = options.doNotDisturb ?? (() => isDoNotDisturb());
  return {
    async show(toast) {
      if (muted.has(toast.category) || (await doNotDisturb())) return 'suppressed';
      try {
        await options.backend.show(toast);
        return 'shown';
      } catch (error) {
        options.onFailure?.(toast, error as Error);
        return 'failed';
      }
    },
    mute(category, mute) {
      if (mute) muted.add(category);
      else muted.delete(category);
    },
    isMuted: (category) => muted.has(category),
  };
}
