/**
 * Coalesces many small writes or reads into one query: items added while a flush runs wait for
 * the next one, so under load each query carries a batch and at rest an item goes out at once (on
 * the next turn of the event loop). Each `add` settles with the flush that carried its item.
 */
export class Batcher<T> {
  private pending: { item: T; done: (error?: unknown) => void }[] = [];
  private running = false;
  private readonly flush: (items: T[]) => Promise<void>;
  private readonly max: number;

  constructor(flush: (items: T[]) => Promise<void>, max = 1000) {
    this.flush = flush;
    this.max = max;
  }

  add(item: T): Promise<void> {
    return new Promise<void>((ok, fail) => {
      this.pending.push({
        item,
        done: (error) => (error === undefined ? ok() : fail(error instanceof Error ? error : new Error('batch failed', { cause: error }))),
      });
      if (!this.running) {
        this.running = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.max);
      try {
        await this.flush(batch.map((b) => b.item));
        for (const b of batch) b.done();
      } catch (error) {
        for (const b of batch) b.done(error ?? new Error('batch failed'));
      }
    }
    this.running = false;
  }
}
