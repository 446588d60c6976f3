import type { Disposable } from './notificationHandlers.ts';

/**
 * A client connection's close, told once to every listener with its reason. A listener added after
 * the close is told at the next microtask, so code that subscribes late (after an `await`) still
 * learns of it instead of waiting for an event that already happened.
 */
export class CloseSignal {
  private closedFor: string | null = null;
  private readonly listeners = new Set<(reason: string) => void>();

  get isClosed(): boolean {
    return this.closedFor !== null;
  }

  onClose(listener: (reason: string) => void): Disposable {
    const reason = this.closedFor;
    if (reason !== null) {
      let disposed = false;
      queueMicrotask(() => disposed || listener(reason));
      return { dispose: () => (disposed = true) };
    }
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** False when it had already closed: the first reason stands and nobody is told twice. */
  close(reason: string): boolean {
    if (this.closedFor !== null) return false;
    this.closedFor = reason;
    for (const listener of this.listeners) listener(reason);
    this.listeners.clear();
    return true;
  }
}
