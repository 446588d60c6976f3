import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { RequestDeadlines } from './requestDeadlines.ts';

const never = () => new Promise<never>(() => {});

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('RequestDeadlines', () => {
  it('passes on the value or the error of work that settles in time, and never times it out later', async () => {
    const deadlines = new RequestDeadlines();
    const expired = new Error('expired');
    await expect(deadlines.race(Promise.resolve('answer'), 30, () => expired)).resolves.toBe('answer');
    const failure = new Error('refused');
    await expect(deadlines.race(Promise.reject(failure), 30, () => expired)).rejects.toBe(failure);
    // Past both deadlines the timer fires once more and finds nothing to expire.
    await new Promise((resolve) => setTimeout(resolve, 60));
  });

  it('rejects work still pending at its deadline with the given error, not before the deadline', async () => {
    const deadlines = new RequestDeadlines();
    const started = performance.now();
    await expect(deadlines.race(never(), 40, () => new Error('agent.status timed out'))).rejects.toThrow('agent.status timed out');
    expect(performance.now() - started).toBeGreaterThanOrEqual(39);
  });

  it('expires each call at its own deadline: a short one does not take a longer one with it', async () => {
    const deadlines = new RequestDeadlines();
    const slow = deferred<string>();
    const long = deadlines.race(slow.promise, 10_000, () => new Error('long expired'));
    const short = deadlines.race(never(), 20, () => new Error('short expired'));
    const later = deadlines.race(never(), 60, () => new Error('later expired'));
    await expect(short).rejects.toThrow('short expired');
    await expect(later).rejects.toThrow('later expired');
    slow.resolve('still answered');
    await expect(long).resolves.toBe('still answered');
  });

  it('re-arms for an earlier deadline added after a later one', async () => {
    const deadlines = new RequestDeadlines();
    void deadlines.race(never(), 10_000, () => new Error('long expired')).catch(() => {});
    const started = performance.now();
    await expect(deadlines.race(never(), 30, () => new Error('short expired'))).rejects.toThrow('short expired');
    // Far below the first deadline: the timer was moved forward, not left at 10 s.
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('does not keep a process alive once its calls have settled', async () => {
    const script = `
      import { RequestDeadlines } from ${JSON.stringify(new URL('./requestDeadlines.ts', import.meta.url).href)};
      const deadlines = new RequestDeadlines();
      console.log(await deadlines.race(Promise.resolve('done'), 60_000, () => new Error('timed out')));
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    // With a referenced 60 s timer the child would outlive this test's 30 s timeout.
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    expect(output.trim()).toBe('done');
  });
});
