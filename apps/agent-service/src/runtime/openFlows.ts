import type { Disposable } from './disposableStore.ts';

/**
 * The point of the teardown where the agent waits for the flows its features opened (an elevation
 * waiting on its controls) to end. It is registered before the features that close those flows, so
 * it is disposed after them: by then every prompt, timer and program a flow waits on has ended.
 */
export class OpenFlows implements Disposable {
  readonly name = 'open flows';
  private readonly waits: Array<() => Promise<void>> = [];

  /** `settled` resolves once the flows of one feature have ended. */
  waitFor(settled: () => Promise<void>): void {
    this.waits.push(settled);
  }

  async dispose(): Promise<void> {
    for (const settled of this.waits) await settled();
  }
}
