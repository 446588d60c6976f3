export interface Disposable {
  dispose(): void;
}

/**
 * Every handler of each notification method of an agent client (AgentClient, OneShotClient): more
 * than one per method, each disposed of on its own; a handler added or removed while a notification
 * is handed round does not change that round.
 */
export class NotificationHandlers {
  private readonly byMethod = new Map<string, Set<(raw: unknown) => void>>();

  /** `onFirst` runs when `method` gets its first handler (AgentClient then subscribes to it with vscode-jsonrpc). */
  add(method: string, handler: (raw: unknown) => void, onFirst?: () => void): Disposable {
    let handlers = this.byMethod.get(method);
    if (!handlers) {
      handlers = new Set();
      this.byMethod.set(method, handlers);
      onFirst?.();
    }
    const all = handlers;
    all.add(handler);
    return { dispose: () => all.delete(handler) };
  }

  emit(method: string, raw: unknown): void {
    for (const handler of [...(this.byMethod.get(method) ?? [])]) handler(raw);
  }
}
