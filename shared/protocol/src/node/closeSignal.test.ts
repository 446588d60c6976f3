import { describe, expect, it } from 'vitest';
import { CloseSignal } from './closeSignal.ts';

describe('CloseSignal', () => {
  it('tells each listener once, with the first reason; a disposed listener is not told', () => {
    const signal = new CloseSignal();
    const told: string[] = [];
    signal.onClose((reason) => told.push(`a: ${reason}`));
    signal.onClose((reason) => told.push(`b: ${reason}`)).dispose();
    expect(signal.close('socket closed')).toBe(true);
    expect(signal.close('closed by client')).toBe(false);
    expect(signal.isClosed).toBe(true);
    expect(told).toEqual(['a: socket closed']);
  });

  it('tells a listener added after the close at the next microtask, unless disposed first', async () => {
    const signal = new CloseSignal();
    signal.close('socket closed');
    const told: string[] = [];
    signal.onClose((reason) => told.push(reason));
    signal.onClose((reason) => told.push(`disposed: ${reason}`)).dispose();
    expect(told).toEqual([]);
    await Promise.resolve();
    expect(told).toEqual(['socket closed']);
  });
});
