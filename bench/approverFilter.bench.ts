/**
 * Approver queue filtering: time from a keystroke in the queue's search field to the updated list
 * painted, in Chromium, with 10,000 open requests. Goal: under 16 ms at p95 (one frame at 60 Hz).
 *
 *   KEEPER_RENDERER_DIR=… npx vite build -c vite.renderer.config.ts && node bench/approverFilter.bench.ts [--n=20] [--requests=10000]
 *
 * The requests are real: they are written into the agent's own SQLite store (the approvals table, by tests/support/approvalSeed.ts:
 * 50 requesters, 20 machines, 30 programs, varied justifications) before the agent starts, so the
 * real agent lists them (`approvals.list`), the web shell launcher carries them over the bridge, and
 * the real keeper-approver page holds them in its store. Only the creation of the rows skips the
 * elevation flow (10,000 justification prompts would take minutes and measure something else).
 *
 * Three readings per keystroke, side by side. The Event Timing API (PerformanceEventTiming, what
 * "keystroke to painted" means in the browser): from the key event's own timestamp to the next paint
 * after its handlers ran, the longest entry of the keystroke's interaction. Chromium reports only
 * entries of 16 ms or more (its smallest durationThreshold) in steps of 8 ms, so a keystroke with no
 * entry took under 16 ms and percentiles that fall on those print as "<16". And the older reading: a
 * capturing keydown listener takes `performance.now()`, then `requestAnimationFrame` → `setTimeout(0)`
 * takes the second reading once that frame is painted. A third reading leaves out the idle wait for
 * the next frame: the time from keydown to after React's commit, plus the frame's rendering (next
 * rAF to a task queued from it); under 16 ms means the keystroke never costs a dropped frame. Each
 * round types "apt" and erases it again (6 keystrokes, each changing the list), in three conditions
 * measured side by side, interleaved: all requests shown; the list narrowed to one requester (~1/50
 * of them) by the requester filter; and the floor, a plain input added to the same page that changes
 * nothing but its own text (what any keystroke costs in this browser on this host).
 * Plain Node script (not a vitest file). Results are in docs/benchmarks.md.
 */
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeFileSync } from 'node:fs';
import { makeSandbox, startAgent } from '../tests/support/agentProcess.ts';
import { seedApprovals } from '../tests/support/approvalSeed.ts';
import { launchChromium } from '../tests/support/browser.ts';
import { startWebShell } from '../tests/support/webShellProcess.ts';
import { percentile } from './support/stats.ts';

const { values: args } = parseArgs({ options: { n: { type: 'string', default: '20' }, requests: { type: 'string', default: '10000' } } });
const ROUNDS = Number(args.n);
const REQUESTS = Number(args.requests);
const GOAL_P95_MS = 16;
const KEYS = ['a', 'p', 't', 'Backspace', 'Backspace', 'Backspace'];

const sandbox = makeSandbox();
const config = join(sandbox.dir, 'agent.json');
writeFileSync(config, JSON.stringify({ approvals: { administrators: { users: ['root'], groups: [] } } }));
// First start creates the store; the rows go in while the agent is stopped.
await (await startAgent({ socket: sandbox.socket, dataDir: sandbox.dataDir, extra: ['--config', config] })).stop();
seedApprovals(sandbox.dataDir, { open: REQUESTS, decided: 0 });
const agent = await startAgent({ socket: sandbox.socket, dataDir: sandbox.dataDir, extra: ['--config', config] });
const shell = await startWebShell(sandbox.socket);
const browser = await launchChromium();
try {
  const context = await browser.newContext({ viewport: { width: 1180, height: 800 } });
  const page = await context.newPage();
  await page.goto(await shell.windowUrl('keeper-approver'));
  const shown = page.getByTestId('shown');
  await page.waitForFunction((total) => document.querySelector('[data-testid=shown]')?.textContent === `Showing ${total} of ${total} requests`, REQUESTS, {
    timeout: 60_000,
  });
  await page.evaluate(() => {
    const samples: number[] = [];
    (window as unknown as { samples: number[] }).samples = samples;
    const timings: Array<{ interactionId: number; startTime: number; duration: number }> = [];
    (window as unknown as { timings: typeof timings }).timings = timings;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries() as PerformanceEventTiming[]) {
        if (entry.interactionId) timings.push({ interactionId: entry.interactionId, startTime: entry.startTime, duration: entry.duration });
      }
    }).observe({ type: 'event', durationThreshold: 16, buffered: false } as PerformanceObserverInit);
    const work: number[] = [];
    (window as unknown as { work: number[] }).work = work;
    let keyAt = 0;
    // The floor: a plain input added to the same page, outside React, whose keystrokes change
    // nothing but its own text. What the queue costs is what it adds to this.
    const floor = document.createElement('input');
    floor.setAttribute('data-testid', 'bench-floor');
    floor.setAttribute('aria-label', 'floor');
    floor.style.cssText = 'position: fixed; right: 8px; bottom: 8px; width: 200px;';
    document.body.append(floor);
    const measured = ['filter-text', 'bench-floor'];
    for (const input of measured.map((id) => document.querySelector(`[data-testid=${id}]`)!)) {
      input.addEventListener(
        'keydown',
        () => {
          const start = performance.now();
          keyAt = start;
          requestAnimationFrame(() => setTimeout(() => samples.push(performance.now() - start), 0));
        },
        true,
      );
    }
    // React renders a discrete input synchronously inside its root listener, so a document-level
    // listener runs after the commit; the frame's style, layout and paint run between the next rAF
    // and a task queued from it. Their sum is the main thread's work for the keystroke, without the
    // idle wait for the next frame.
    document.addEventListener('input', (event) => {
      if (!measured.includes((event.target as Element).getAttribute('data-testid') ?? '')) return;
      const handled = performance.now() - keyAt;
      requestAnimationFrame(() => {
        const frameStart = performance.now();
        setTimeout(() => work.push(handled + performance.now() - frameStart), 0);
      });
    });
  });
  const search = page.getByTestId('filter-text');
  const floor = page.getByTestId('bench-floor');
  const requester = page.getByLabel('Requester');
  type Condition = 'all' | 'one' | 'floor';
  const ORDERS: ReadonlyArray<readonly Condition[]> = [
    ['all', 'one', 'floor'],
    ['one', 'floor', 'all'],
    ['floor', 'all', 'one'],
  ];
  const results: Record<Condition, number[]> = { all: [], one: [], floor: [] };
  const workResults: Record<Condition, number[]> = { all: [], one: [], floor: [] };
  /** Event Timing: per condition, the keystrokes typed and the durations of those Chromium reported (≥ 16 ms). */
  const eventTiming: Record<Condition, { keystrokes: number; reported: number[] }> = {
    all: { keystrokes: 0, reported: [] },
    one: { keystrokes: 0, reported: [] },
    floor: { keystrokes: 0, reported: [] },
  };
  let taken = 0;
  for (let round = 0; round < ROUNDS; round++) {
    for (const condition of ORDERS[round % ORDERS.length]!) {
      await requester.selectOption(condition === 'one' ? 'user7' : '');
      await (condition === 'floor' ? floor : search).focus();
      const from = await page.evaluate(() => performance.now());
      for (const key of KEYS) {
        await page.keyboard.press(key);
        taken++;
        await page.waitForFunction((n) => {
          const w = window as unknown as { samples: number[]; work: number[] };
          return w.samples.length >= n && w.work.length >= n;
        }, taken);
      }
      const { samples, work } = await page.evaluate(() => {
        const w = window as unknown as { samples: number[]; work: number[] };
        return { samples: w.samples, work: w.work };
      });
      results[condition].push(...samples.slice(taken - KEYS.length, taken));
      workResults[condition].push(...work.slice(taken - KEYS.length, taken));
      // Entries arrive after their frame is presented: give the last one time, then take this batch's.
      await page.waitForTimeout(150);
      const reported = await page.evaluate((since) => {
        const longest = new Map<number, number>();
        for (const t of (window as unknown as { timings: Array<{ interactionId: number; startTime: number; duration: number }> }).timings) {
          if (t.startTime >= since) longest.set(t.interactionId, Math.max(longest.get(t.interactionId) ?? 0, t.duration));
        }
        return [...longest.values()];
      }, from);
      eventTiming[condition].keystrokes += KEYS.length;
      eventTiming[condition].reported.push(...reported);
      if ((await shown.textContent())?.startsWith('Showing 0')) throw new Error('the filter emptied the list: the bench would measure nothing');
    }
  }
  const FLOOR = 'floor: plain input, same page';
  const row = (name: string, values: number[]) => {
    const p50 = percentile(values, 50);
    const p95 = percentile(values, 95);
    return { name, samples: values.length, p50: p50.toFixed(1), p95: p95.toFixed(1), 'p95 / goal': (p95 / GOAL_P95_MS).toFixed(2) };
  };
  console.log(`Approver queue filter, keystroke → list painted, Chromium, ${REQUESTS} open requests; goal p95 < ${GOAL_P95_MS} ms`);
  console.log(
    `host: ${cpus()[0]?.model ?? '?'} × ${availableParallelism()}, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  /** A percentile over every keystroke, where those Chromium did not report count as under 16 ms. */
  const eventPercentile = ({ keystrokes, reported }: { keystrokes: number; reported: number[] }, p: number) => {
    const sorted = [...reported].sort((a, b) => a - b);
    const at = Math.ceil((p / 100) * keystrokes) - 1 - (keystrokes - sorted.length);
    return at < 0 ? null : sorted[at]!;
  };
  const eventRow = (name: string, timing: { keystrokes: number; reported: number[] }) => {
    const [p50, p95] = [eventPercentile(timing, 50), eventPercentile(timing, 95)];
    const show = (v: number | null) => (v === null ? '<16' : v.toFixed(0));
    return {
      name,
      samples: timing.keystrokes,
      '≥16 ms': timing.reported.length,
      p50: show(p50),
      p95: show(p95),
      'p95 / goal': p95 === null ? '<1.00' : (p95 / GOAL_P95_MS).toFixed(2),
    };
  };
  console.log('Event Timing (key event → next paint; Chromium reports ≥ 16 ms only, in 8 ms steps):');
  console.table([
    eventRow(`all ${REQUESTS} requests`, eventTiming.all),
    eventRow(`one requester (${REQUESTS / 50})`, eventTiming.one),
    eventRow(FLOOR, eventTiming.floor),
  ]);
  console.log('keydown → rAF → setTimeout(0) (includes the wait for the next frame):');
  console.table([row(`all ${REQUESTS} requests`, results.all), row(`one requester (${REQUESTS / 50})`, results.one), row(FLOOR, results.floor)]);
  console.log(`ratio all / one requester at p95 (rAF reading): ${(percentile(results.all, 95) / percentile(results.one, 95)).toFixed(2)}`);
  console.log(`ratio all / floor at p95 (rAF reading): ${(percentile(results.all, 95) / percentile(results.floor, 95)).toFixed(2)}`);
  console.log("main-thread work per keystroke (input handlers and React commit + the next frame's style, layout and paint; no idle wait):");
  console.table([row(`all ${REQUESTS} requests`, workResults.all), row(`one requester (${REQUESTS / 50})`, workResults.one), row(FLOOR, workResults.floor)]);
  console.log(`ratio all / floor at p95 (work): ${(percentile(workResults.all, 95) / percentile(workResults.floor, 95)).toFixed(2)}`);
} finally {
  await browser.close();
  await shell.stop();
  await agent.stop();
  sandbox.cleanup();
}
