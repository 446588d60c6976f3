import type { Logger } from '../log/logger.ts';

/** Something the agent must release at stop: a feature, a server, a watcher. `name` labels it in the log. */
export interface Disposable {
  readonly name?: string;
  dispose(): void | Promise<void>;
}

/**
 * Owns what the agent started and releases it in reverse order of `add`, so whatever was built on
 * something else goes before it. A disposer that throws is logged and the rest still run; dispose()
 * runs once, and a later call gets the same promise. Synchronous disposers run back to back in one
 * turn, so nothing they release can act between two of them.
 */
export class DisposableStore {
  private readonly log: Logger;
  private readonly entries: Disposable[] = [];
  private disposing: Promise<void> | null = null;

  constructor({ log }: { log: Logger }) {
    this.log = log;
  }

  /** Registers `disposable` and returns it. Added after dispose() began, it is released at once. */
  add<T extends Disposable>(disposable: T): T {
    if (this.disposing) {
      this.log.warn({ disposable: disposable.name }, 'added while the agent stops; released at once');
      void this.disposeOne(disposable);
    } else {
      this.entries.push(disposable);
    }
    return disposable;
  }

  dispose(): Promise<void> {
    this.disposing ??= (async () => {
      while (this.entries.length > 0) {
        const pending = this.disposeOne(this.entries.pop()!);
        if (pending) await pending;
      }
    })();
    return this.disposing;
  }

  private disposeOne(disposable: Disposable): Promise<void> | undefined {
    const failed = (error: unknown) =>
      this.log.error({ disposable: disposable.name, err: error instanceof Error ? error.message : String(error) }, 'failed to release at stop');
    try {
      const result = disposable.dispose();
      return result instanceof Promise ? result.catch(failed) : undefined;
    } catch (error) {
      failed(error);
      return undefined;
    }
  }
}
