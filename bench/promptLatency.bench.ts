/**
 * Prompt window latency and size: how long a prompt window takes to become answerable in Chromium
 * through the web shell, against a blank page served by the same web shell, and how much gzipped
 * JavaScript each window's page loads.
 *
 *   npm run build && node bench/promptLatency.bench.ts [--n=30] [--warmup=3] [--before=<checkout>]
 *
 * One run, interleaved (the order of the three rotating every round), in one browser context, with a
 * real agent (JUSTIFY policy), the web shell launcher (`npm start -- --web-shell --prewarm`) and a CLI
 * client asking to elevate /usr/bin/true. An init script records `performance.now()` when the
 * justification textarea gets the focus (the window focuses it once the prompt rendered) and reports
 * it through a binding, so nothing polls the page while it loads.
 * - pre-warmed (the measure): the spare page the shell announced was loaded ahead and sits
 *   idle; the shell presents it for the prompt. From the agent sending `prompt.show` to the textarea
 *   focused: the send is the prompt's `createdAt`, the agent's clock read just before it writes the
 *   notification (this script reads it from a second desktop connection of the same user, which the
 *   agent sends the same prompt.show), 1 ms resolution; the focus is the page's wall clock
 *   (`performance.timeOrigin + performance.now()`). Both are the same machine's clock.
 * - cold: no spare is loaded, so the shell presents a new page, which this script opens: navigation
 *   start (`performance.timeOrigin`) → textarea focused. This is what the first prompt costs when
 *   nothing was pre-warmed, and what a spare costs to get ready.
 * - blank: an empty HTML page written into the renderer folder for the run and served by the same web
 *   shell (same origin, headers, HTTP server and browser context): navigation start → load event end.
 *   The fairest floor: what any page costs on this host, with none of our JS.
 * - cold, before (with --before=<checkout>, a built copy of an earlier commit with node_modules): the
 *   same cold measure against that checkout's web shell launcher and renderer build, with an agent of
 *   its own (this tree's), in the same rotation: a before/after of the cold path side by side.
 *
 * Plain Node script (not a vitest file). Results are described in docs/benchmarks.md.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import type { BrowserContext, Page } from 'playwright-core';
import { ElevationRequest, ElevationStatus, PromptShowNotification } from '../shared/protocol/src/common/index.ts';
import { WINDOW_IDS } from '../shared/bridge/src/common/windows.ts';
import { connectClient, makeSandbox, PROJECT_DIR, startAgent } from '../tests/support/agentProcess.ts';
import { CHROMIUM_PATH, launchChromium } from '../tests/support/browser.ts';
import { appPolicy, writePolicyDir } from '../tests/support/policyFixtures.ts';
import { startWebShell } from '../tests/support/webShellProcess.ts';
import { percentile } from './support/stats.ts';

const { values: args } = parseArgs({
  options: { n: { type: 'string', default: '30' }, warmup: { type: 'string', default: '3' }, before: { type: 'string' } },
});
const N = Number(args.n);
const WARMUP = Number(args.warmup);
const GOAL_RATIO_P95 = 1.5;
const GOAL_P95_MS = 150;
const GOAL_JS_GZIP_KB = 150;
const RENDERER_DIR = process.env['KEEPER_RENDERER_DIR'] ?? join(PROJECT_DIR, 'dist/renderer');
const BLANK = 'bench-blank.html';

/* ---------------------------------------------------------------------------------------------- */
/* Size: the JS each window's page loads in Chromium (English), gzipped                              */
/* ---------------------------------------------------------------------------------------------- */

/**
 * Opens every window's page (without a token: the bridge then fails, after the page loaded all it
 * loads at start) and sums the JS files it fetched: the entry, its static imports and the chunks it
 * imports at start (its translations, the bridge). Locales of other languages are not fetched.
 */
async function sizes(context: BrowserContext, origin: string) {
  const result = [];
  for (const id of WINDOW_IDS) {
    const page = await context.newPage();
    await page.goto(`${origin}/${id}/?lng=en`, { waitUntil: 'networkidle' });
    const urls = await page.evaluate<string[]>(`performance.getEntriesByType('resource').map((e) => e.name).filter((n) => n.endsWith('.js'))`);
    await page.close();
    const files = [...new Set(urls)].map((url) => join(RENDERER_DIR, new URL(url).pathname));
    const raw = files.reduce((sum, f) => sum + readFileSync(f).length, 0);
    const gzip = files.reduce((sum, f) => sum + gzipSync(readFileSync(f), { level: 9 }).length, 0);
    result.push({ id, files: files.length, rawKb: raw / 1024, gzipKb: gzip / 1024 });
  }
  return result;
}

/* ---------------------------------------------------------------------------------------------- */
/* Latency                                                                                          */
/* ---------------------------------------------------------------------------------------------- */

const summary = (values: readonly number[]) => ({
  p50: percentile(values, 50),
  p95: percentile(values, 95),
  min: Math.min(...values),
  max: Math.max(...values),
});
const ms = (value: number) => value.toFixed(1);

/** An earlier checkout's web shell launcher (no pre-warm) on `socket`, serving that checkout's renderer build. */
async function startWebShellOf(checkout: string, socket: string): Promise<{ child: ChildProcess; windowUrl(nth: number): Promise<string> }> {
  const child = spawn(
    process.execPath,
    [join(checkout, 'apps/desktop/src/launcher/start.ts'), '--socket', socket, '--no-agent', '--no-browser', '--web-shell'],
    { cwd: checkout, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KEEPER_RENDERER_DIR: join(checkout, 'dist/renderer') } },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const windowUrl = async (id: string, nth: number) => {
    for (let waited = 0; waited < 20_000; waited += 20) {
      const url = [...output.matchAll(new RegExp(`Window ${id}: (http://127\\.0\\.0\\.1:\\d+/\\S+)`, 'g'))][nth - 1]?.[1];
      if (url) return url;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`the --before web shell did not announce ${id} #${nth}:\n${output}`);
  };
  // Up and connected to its agent once it presents its first window.
  await windowUrl('keeper-agent', 1);
  return { child, windowUrl: (nth) => windowUrl('keeper-justification', nth) };
}

async function main() {
  if (!existsSync(join(RENDERER_DIR, 'keeper-justification/src/renderer/index.html'))) throw new Error('no built renderer: run `npm run build` first');
  const sandbox = makeSandbox();
  const policiesDir = join(sandbox.dir, 'policies');
  mkdirSync(policiesDir);
  writePolicyDir(policiesDir, { 'col-true': '/usr/bin/true' }, [appPolicy('pol-true', 'col-true', ['JUSTIFY'])]);
  writeFileSync(join(RENDERER_DIR, BLANK), '<!doctype html><html lang="en"><head><meta charset="UTF-8"><title>blank</title></head><body></body></html>');

  // The bench answers prompts faster than a person: lift the per-connection limits it would hit (the
  // shell's one connection answers every prompt; past 10 answers in 10 s a cancel is refused, the
  // prompt stays open and the next one queues behind it instead of opening a window).
  const config = join(sandbox.dir, 'agent.json');
  writeFileSync(config, JSON.stringify({ limits: { promptAnswersPer10s: 1_000_000, elevationRequestsPer10s: 1_000_000 } }));
  const agent = await startAgent({ socket: sandbox.socket, dataDir: sandbox.dataDir, extra: ['--policies', policiesDir, '--config', config] });
  const shell = await startWebShell(sandbox.socket, process.env, { prewarm: true });
  const client = await connectClient(sandbox.socket);
  // --before: an agent of its own for the other checkout's shell, so their prompts never mix.
  const beforeSandbox = args.before ? makeSandbox() : null;
  const beforeAgent = beforeSandbox
    ? await startAgent({ socket: beforeSandbox.socket, dataDir: beforeSandbox.dataDir, extra: ['--policies', policiesDir, '--config', config] })
    : null;
  const beforeShell = args.before && beforeSandbox ? await startWebShellOf(args.before, beforeSandbox.socket) : null;
  const beforeClient = beforeSandbox ? await connectClient(beforeSandbox.socket) : null;
  // A second desktop connection of the same user gets the same prompt.show as the shell; its
  // `createdAt` is the agent's clock reading just before it wrote the notification.
  const watcher = await connectClient(sandbox.socket, 'desktop');
  const sentAt = new Map<string, number>();
  watcher.onNotification(PromptShowNotification, (prompt) => {
    if (!sentAt.has(prompt.subject.requestId)) sentAt.set(prompt.subject.requestId, Date.parse(prompt.createdAt));
  });
  // Pages out of sight keep their priority and timers, as Electron's hidden spare windows do
  // (`backgroundThrottling: false`); else Chromium deprioritises the loaded spare behind later tabs.
  const browser = await launchChromium([
    '--disable-renderer-backgrounding',
    '--disable-background-timer-throttling',
    '--disable-backgrounding-occluded-windows',
  ]);
  const context = await browser.newContext({ viewport: { width: 560, height: 640 }, colorScheme: 'light' });
  // The page reports the focus through a binding (one CDP event): nothing polls a loading page. Polling
  // it (waitForFunction on every frame) ran playwright's script in the page while it loaded, on the
  // main thread the page needs, which the blank page never paid (docs/benchmarks.md, fifth pass).
  type Focus = { ready: number; origin: number };
  const focused = new Map<Page, Focus>();
  const focusWaiters = new Map<Page, (focus: Focus) => void>();
  await context.exposeBinding('__kpFocused', ({ page }, ready: number, origin: number) => {
    const waiter = focusWaiters.get(page);
    if (waiter) waiter({ ready, origin });
    else focused.set(page, { ready, origin });
  });
  // Runs before any page script (injected over CDP, so the page's CSP does not apply to it).
  await context.addInitScript(`document.addEventListener('focusin', (event) => {
    if (event.target instanceof HTMLTextAreaElement && window.__kpReady === undefined) {
      window.__kpReady = performance.now();
      window.__kpFocused(window.__kpReady, performance.timeOrigin);
    }
  }, true);`);
  const blankUrl = `${new URL(shell.agentWindowUrl).origin}/${BLANK}`;
  const WINDOW = 'keeper-justification';
  let presented = 0;
  let sparesAnnounced = 1;
  let spare: { url: string; page: Page } | null = null;

  /** Loads the newest spare the shell announced, if it is not loaded yet, and lets it settle idle. */
  const ensureSpare = async () => {
    const url = await shell.spareUrl(WINDOW, sparesAnnounced);
    if (spare?.url === url) return spare;
    const page = await context.newPage();
    await page.goto(url);
    await page.getByTestId('nothing-pending').waitFor({ timeout: 10_000 });
    // A spare waits long before its prompt comes; let its load's after-work (GC, idle tasks) finish.
    await new Promise((r) => setTimeout(r, 300));
    spare = { url, page };
    return spare;
  };
  const focusedAt = (page: Page) =>
    new Promise<Focus>((resolve, reject) => {
      const known = focused.get(page);
      if (known) return resolve(known);
      const timer = setTimeout(() => reject(new Error('the textarea was not focused within 10 s')), 10_000);
      focusWaiters.set(page, (focus) => {
        clearTimeout(timer);
        focusWaiters.delete(page);
        resolve(focus);
      });
    });
  /** Cancels the prompt (Escape), which closes the window; the next prompt presents one anew. */
  const finish = async (page: Page, requestId: string, asker = client) => {
    await page.keyboard.press('Escape');
    for (let i = 0; i < 200 && (await asker.request(ElevationStatus, { requestId })).state === 'pending'; i++) await new Promise((r) => setTimeout(r, 10));
    await page.close();
  };
  const ask = async () => {
    const { requestId } = await client.request(ElevationRequest, { executable: '/usr/bin/true', arguments: [], cwd: '/' });
    presented++;
    return { requestId, url: await shell.windowUrl(WINDOW, presented) };
  };

  const warmOnce = async () => {
    const { page, url: spareUrl } = await ensureSpare();
    const { requestId, url } = await ask();
    if (url !== spareUrl) throw new Error('the shell did not present the loaded spare');
    spare = null;
    sparesAnnounced++;
    const { ready, origin } = await focusedAt(page);
    // The page's report can overtake the watcher's copy of prompt.show: wait for that a little.
    for (let i = 0; i < 200 && !sentAt.has(requestId); i++) await new Promise((r) => setTimeout(r, 10));
    const sent = sentAt.get(requestId);
    if (sent === undefined) throw new Error('no prompt.show seen for the request');
    await finish(page, requestId);
    return origin + ready - sent;
  };
  const coldOnce = async () => {
    // With no spare loaded the shell has nothing to present but a new page.
    if (spare) {
      await spare.page.close();
      spare = null;
      await new Promise((r) => setTimeout(r, 100));
    }
    const { requestId, url } = await ask();
    if (url === (await shell.spareUrl(WINDOW, sparesAnnounced))) sparesAnnounced++;
    const page = await context.newPage();
    await page.goto(url, { waitUntil: 'commit' });
    const { ready } = await focusedAt(page);
    await finish(page, requestId);
    return ready;
  };
  let beforePresented = 0;
  const coldBeforeOnce = async () => {
    if (!beforeClient || !beforeShell) throw new Error('no --before checkout');
    const { requestId } = await beforeClient.request(ElevationRequest, { executable: '/usr/bin/true', arguments: [], cwd: '/' });
    const url = await beforeShell.windowUrl(++beforePresented);
    const page = await context.newPage();
    await page.goto(url, { waitUntil: 'commit' });
    const { ready } = await focusedAt(page);
    await finish(page, requestId, beforeClient);
    return ready;
  };
  const blankOnce = async () => {
    const page = await context.newPage();
    await page.goto(blankUrl, { waitUntil: 'load' });
    const loaded = await page.evaluate<number>(`performance.getEntriesByType('navigation')[0].loadEventEnd`);
    await page.close();
    return loaded;
  };

  const runs = { warm: [] as number[], cold: [] as number[], blank: [] as number[], coldBefore: [] as number[] };
  let windowSizes: Awaited<ReturnType<typeof sizes>>;
  const once = { warm: warmOnce, cold: coldOnce, blank: blankOnce, coldBefore: coldBeforeOnce };
  const kinds = beforeShell ? (['warm', 'cold', 'blank', 'coldBefore'] as const) : (['warm', 'cold', 'blank'] as const);
  try {
    for (let i = 0; i < WARMUP + N; i++) {
      // Interleaved, the order rotating per round, so drift hits all three alike.
      for (let k = 0; k < kinds.length; k++) {
        const kind = kinds[(i + k) % kinds.length]!;
        const value = await once[kind]();
        if (i >= WARMUP) runs[kind].push(value);
      }
    }
    windowSizes = await sizes(context, new URL(blankUrl).origin);
  } finally {
    client.close();
    watcher.close();
    beforeClient?.close();
    await browser.close();
    await shell.stop();
    if (beforeShell && beforeShell.child.exitCode === null) {
      const exited = new Promise((r) => beforeShell.child.once('exit', r));
      beforeShell.child.kill('SIGTERM');
      await exited;
    }
    await agent.stop();
    await beforeAgent?.stop();
    sandbox.cleanup();
    beforeSandbox?.cleanup();
    rmSync(join(RENDERER_DIR, BLANK), { force: true });
  }

  const w = summary(runs.warm);
  const c = summary(runs.cold);
  const b = summary(runs.blank);
  const chromium = execFileSync(CHROMIUM_PATH, ['--version'], { encoding: 'utf8' }).trim();
  console.log(
    `machine: nproc ${availableParallelism()} (${cpus()[0]?.model ?? 'unknown cpu'}), node ${process.version}, ${chromium}, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  console.log(`N=${N} each (after ${WARMUP} warm-up rounds), interleaved\n`);
  console.log('| measure | p50 ms | p95 ms | min ms | max ms |');
  console.log('|---|---:|---:|---:|---:|');
  console.log(`| justification window, pre-warmed: agent sends prompt.show → textarea focused | ${ms(w.p50)} | ${ms(w.p95)} | ${ms(w.min)} | ${ms(w.max)} |`);
  console.log(`| justification window, cold: navigation start → textarea focused | ${ms(c.p50)} | ${ms(c.p95)} | ${ms(c.min)} | ${ms(c.max)} |`);
  console.log(`| blank page, same web shell: navigation start → load end | ${ms(b.p50)} | ${ms(b.p95)} | ${ms(b.min)} | ${ms(b.max)} |`);
  const before = beforeShell ? summary(runs.coldBefore) : null;
  if (before)
    console.log(
      `| justification window, cold, --before checkout: navigation start → textarea focused | ${ms(before.p50)} | ${ms(before.p95)} | ${ms(before.min)} | ${ms(before.max)} |`,
    );
  const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
  for (const [name, row] of [['pre-warmed', w] as const, ['cold', c] as const, ...(before ? [['cold (before)', before] as const] : [])]) {
    const ratio50 = row.p50 / b.p50;
    const ratio95 = row.p95 / b.p95;
    console.log(
      `\n${name}/blank: p50 ${ratio50.toFixed(2)}x, p95 ${ratio95.toFixed(2)}x (goal ≤ ${GOAL_RATIO_P95}x at p95: ${verdict(ratio95 <= GOAL_RATIO_P95)}); ` +
        `p95 ${ms(row.p95)} ms (goal < ${GOAL_P95_MS} ms: ${verdict(row.p95 < GOAL_P95_MS)})`,
    );
  }
  console.log('\n| window | JS files | raw KB | gzip KB (level 9) | goal ≤ 150 KB |');
  console.log('|---|---:|---:|---:|---|');
  for (const s of windowSizes)
    console.log(`| ${s.id} | ${s.files} | ${s.rawKb.toFixed(1)} | ${s.gzipKb.toFixed(1)} | ${verdict(s.gzipKb <= GOAL_JS_GZIP_KB)} |`);
}

await main();
