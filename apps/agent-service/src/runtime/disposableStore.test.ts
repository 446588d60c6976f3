import { describe, expect, it } from 'vitest';
import { createLogger } from '../log/logger.ts';
import { DisposableStore } from './disposableStore.ts';

function setup() {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger('Debug', { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { store: new DisposableStore({ log }), lines, order: [] as string[] };
}

describe('DisposableStore', () => {
  it('releases in reverse order of add, awaiting an async disposer before the next', async () => {
    const { store, order } = setup();
    store.add({ name: 'db', dispose: () => void order.push('db') });
    store.add({
      name: 'server',
      dispose: async () => {
        await new Promise<void>((resolve) => setImmediate(resolve));
        order.push('server');
      },
    });
    store.add({ name: 'flows', dispose: () => void order.push('flows') });
    await store.dispose();
    expect(order).toEqual(['flows', 'server', 'db']);
  });

  it('add returns what it was given', () => {
    const { store } = setup();
    const feature = { name: 'x', handlers: [1, 2], dispose: () => undefined };
    expect(store.add(feature)).toBe(feature);
  });

  it('runs synchronous disposers back to back: nothing a disposer resolves acts before the next one ran', async () => {
    const { store, order } = setup();
    let release!: () => void;
    const waiting = new Promise<void>((resolve) => (release = resolve)).then(() => order.push('flow continued'));
    store.add({ name: 'timers', dispose: () => void order.push('timers stopped') });
    store.add({ name: 'prompts', dispose: () => (release(), void order.push('prompts closed')) });
    await store.dispose();
    await waiting;
    expect(order).toEqual(['prompts closed', 'timers stopped', 'flow continued']);
  });

  it('goes on when a disposer throws or rejects, and logs each failure with its name', async () => {
    const { store, order, lines } = setup();
    store.add({ name: 'db', dispose: () => void order.push('db') });
    store.add({
      name: 'sinks',
      dispose: () => Promise.reject(new Error('syslog unreachable')),
    });
    store.add({
      name: 'watcher',
      dispose: () => {
        throw new Error('already closed');
      },
    });
    await store.dispose();
    expect(order).toEqual(['db']);
    const failures = lines.filter((line) => line['msg'] === 'failed to release at stop');
    expect(failures.map((line) => [line['disposable'], line['err']])).toEqual([
      ['watcher', 'already closed'],
      ['sinks', 'syslog unreachable'],
    ]);
    expect(failures.every((line) => line['level'] === 50)).toBe(true);
  });

  it('is idempotent: a second dispose() releases nothing again and resolves with the first', async () => {
    const { store } = setup();
    let count = 0;
    store.add({ dispose: () => void count++ });
    const first = store.dispose();
    const second = store.dispose();
    expect(second).toBe(first);
    await second;
    await store.dispose();
    expect(count).toBe(1);
  });

  it('releases at once what is added after dispose() began', async () => {
    const { store, order, lines } = setup();
    await store.dispose();
    store.add({ name: 'late watcher', dispose: () => void order.push('late watcher') });
    expect(order).toEqual(['late watcher']);
    expect(lines.some((line) => line['disposable'] === 'late watcher' && line['level'] === 40)).toBe(true);
    await store.dispose();
    expect(order).toEqual(['late watcher']);
  });
});
