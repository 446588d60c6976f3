/**
 * Prompt window latency and size: how long a prompt window takes to become answerable in Chromium
 * through the web shell, against a blank page served by the same web shell, and how much gzipped
 * JavaScript each window's page loads.
 *
 *   npm run build && node bench/promptLatency.bench.ts [--n=30] [--warmup=3]
 *
 * One run, interleaved (prompt, blank, prompt, blank, ...), in one browser context:
 * - prompt: a real agent with a JUSTIFY policy, the web shell launcher (`npm start --web-shell`), and a
 *   CLI client asking to elevate /usr/bin/true. The page is opened at the URL the shell presents;
 *   an init script records `performance.now()` when the justification textarea gets the focus (the
 *   window focuses it on mount, once the prompt arrived over the bridge and rendered). Reported:
 *   `page` = navigation start (performance.timeOrigin) → textarea focused, and `end to end` = just
 *   before `elevation.request` → textarea focused (includes the policy decision, prompt.show to the
 *   desktop, the shell presenting the URL and this script navigating to it).
 * - blank: an empty HTML page written into dist/renderer for the run and served by the same web shell
 *   (same origin, headers, HTTP server and browser context): navigation start → load event end. This
 *   is the fairest floor: what any page costs on this host, with none of our JS.
 *
 * Plain Node script (not a vitest file). Results are described in docs/benchmarks.md.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { ElevationRequest, ElevationStatus } from '../shared/protocol/src/common/index.ts';
import { WINDOW_IDS } from '../shared/bridge/src/common/windows.ts';
import { connectClient, makeSandbox, PROJECT_DIR, startAgent } from '../tests/support/agentProcess.ts';
import { CHROMIUM_PATH, launchChromium } from '../tests/support/browser.ts';
import { appPolicy, writePolicyDir } from '../tests/support/policyFixtures.ts';
import { startWebShell } from '../tests/support/webShellProcess.ts';

const { values: args } = parseArgs({ options: { n: { type: 'string', default: '30' }, warmup: { type: 'string', default: '3' } } });
const N = Number(args.n);
const WARMUP = Number(args.warmup);
const GOAL_RATIO_P95 = 1.5;
const GOAL_P95_MS = 150;
const GOAL_JS_GZIP_KB = 150;
const RENDERER_DIR = process.env['KEEPER_RENDERER_DIR'] ?? join(PROJECT_DIR, 'dist/renderer');
const BLANK = 'bench-blank.html';

/* ---------------------------------------------------------------------------------------------- */
/* Size: the JS each window's page loads (entry + its static imports), gzipped                      */
/* ---------------------------------------------------------------------------------------------- */

function jsOfPage(id: string): string[] {
  const html = join(RENDERER_DIR, id, 'src/renderer/index.html');
  const text = readFileSync(html, 'utf8');
  const seen = new Set<string>();
  const queue = [...text.matchAll(/<(?:script[^>]*\ssrc|link[^>]*rel="modulepreload"[^>]*\shref)="([^"]+\.js)"/g)].map((m) => resolve(dirname(html), m[1]!));
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const code = readFileSync(file, 'utf8');
    // Static imports only (what the page loads before it can run); dynamic import() would be lazy.
    for (const m of code.matchAll(/(?:^|[;}\s])(?:import|export)\s*(?:[^'"();]*?from\s*)?["'](\.{1,2}\/[^"']+\.js)["']/g)) queue.push(resolve(dirname(file), m[1]!));
  }
  return [...seen];
}

function sizes() {
  return WINDOW_IDS.map((id) => {
    const files = jsOfPage(id);
    const raw = files.reduce((sum, f) => sum + readFileSync(f).length, 0);
    const gzip = files.reduce((sum, f) => sum + gzipSync(readFileSync(f), { level: 9 }).length, 0);
    return { id, files: files.length, rawKb: raw / 1024, gzipKb: gzip / 1024 };
  });
}

/* ---------------------------------------------------------------------------------------------- */
/* Latency                                                                                          */
/* ---------------------------------------------------------------------------------------------- */

const quantile = (values: readonly number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
};
const summary = (values: readonly number[]) => ({ p50: quantile(values, 0.5), p95: quantile(values, 0.95), min: Math.min(...values), max: Math.max(...values) });
const ms = (value: number) => value.toFixed(1);

async function main() {
  if (!existsSync(join(RENDERER_DIR, 'keeper-justification/src/renderer/index.html'))) throw new Error('no built renderer: run `npm run build` first');
  const sandbox = makeSandbox();
  const policiesDir = join(sandbox.dir, 'policies');
  mkdirSync(policiesDir);
  writePolicyDir(policiesDir, { 'col-true': '/usr/bin/true' }, [appPolicy('pol-true', 'col-true', ['JUSTIFY'])]);
  writeFileSync(join(RENDERER_DIR, BLANK), '<!doctype html><html lang="en"><head><meta charset="UTF-8"><title>blank</title></head><body></body></html>');

  const agent = await startAgent({ socket: sandbox.socket, dataDir: sandbox.dataDir, extra: ['--policies', policiesDir] });
  const shell = await startWebShell(sandbox.socket);
  const client = await connectClient(sandbox.socket);
  const browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 560, height: 640 }, colorScheme: 'light' });
  // Runs before any page script (injected over CDP, so the page's CSP does not apply to it).
  await context.addInitScript(`document.addEventListener('focusin', (event) => {
    if (event.target instanceof HTMLTextAreaElement && window.__kpReady === undefined) window.__kpReady = performance.now();
  }, true);`);
  const blankUrl = `${new URL(shell.agentWindowUrl).origin}/${BLANK}`;
  let presented = 0;

  const promptOnce = async () => {
    const t0 = performance.timeOrigin + performance.now();
    const { requestId } = await client.request(ElevationRequest, { executable: '/usr/bin/true', arguments: [], cwd: '/' });
    presented++;
    const url = await shell.windowUrl('keeper-justification', presented);
    const page: Page = await context.newPage();
    await page.goto(url, { waitUntil: 'commit' });
    await page.waitForFunction(() => (globalThis as { __kpReady?: number }).__kpReady !== undefined, null, { polling: 'raf', timeout: 10_000 });
    const { ready, origin } = await page.evaluate<{ ready: number; origin: number }>('({ ready: window.__kpReady, origin: performance.timeOrigin })');
    // Cancel (Escape) closes the prompt, so the next request presents the window anew.
    await page.keyboard.press('Escape');
    for (let i = 0; i < 200 && (await client.request(ElevationStatus, { requestId })).state === 'pending'; i++) await new Promise((r) => setTimeout(r, 10));
    await page.close();
    return { page: ready, endToEnd: origin + ready - t0 };
  };
  const blankOnce = async () => {
    const page = await context.newPage();
    await page.goto(blankUrl, { waitUntil: 'load' });
    const loaded = await page.evaluate<number>(`performance.getEntriesByType('navigation')[0].loadEventEnd`);
    await page.close();
    return loaded;
  };

  const prompt: number[] = [];
  const endToEnd: number[] = [];
  const blank: number[] = [];
  try {
    for (let i = 0; i < WARMUP + N; i++) {
      // Interleaved, the order alternating per round, so drift hits both sides alike.
      const first = i % 2 === 0 ? 'prompt' : 'blank';
      for (const which of first === 'prompt' ? ['prompt', 'blank'] : ['blank', 'prompt']) {
        if (which === 'prompt') {
          const r = await promptOnce();
          if (i >= WARMUP) {
            prompt.push(r.page);
            endToEnd.push(r.endToEnd);
          }
        } else {
          const r = await blankOnce();
          if (i >= WARMUP) blank.push(r);
        }
      }
    }
  } finally {
    client.close();
    await browser.close();
    await shell.stop();
    await agent.stop();
    sandbox.cleanup();
    rmSync(join(RENDERER_DIR, BLANK), { force: true });
  }

  const p = summary(prompt);
  const e = summary(endToEnd);
  const b = summary(blank);
  const chromium = execFileSync(CHROMIUM_PATH, ['--version'], { encoding: 'utf8' }).trim();
  console.log(`machine: nproc ${availableParallelism()} (${cpus()[0]?.model ?? 'unknown cpu'}), node ${process.version}, ${chromium}`);
  console.log(`N=${N} each (after ${WARMUP} warm-up rounds), interleaved\n`);
  console.log('| measure | p50 ms | p95 ms | min ms | max ms |');
  console.log('|---|---:|---:|---:|---:|');
  console.log(`| justification window: navigation start → textarea focused | ${ms(p.p50)} | ${ms(p.p95)} | ${ms(p.min)} | ${ms(p.max)} |`);
  console.log(`| blank page, same web shell: navigation start → load end | ${ms(b.p50)} | ${ms(b.p95)} | ${ms(b.min)} | ${ms(b.max)} |`);
  console.log(`| end to end: before elevation.request → textarea focused | ${ms(e.p50)} | ${ms(e.p95)} | ${ms(e.min)} | ${ms(e.max)} |`);
  const ratio50 = p.p50 / b.p50;
  const ratio95 = p.p95 / b.p95;
  console.log(`\nratio window/blank: p50 ${ratio50.toFixed(2)}x, p95 ${ratio95.toFixed(2)}x (goal ≤ ${GOAL_RATIO_P95}x at p95: ${ratio95 <= GOAL_RATIO_P95 ? 'met' : 'NOT met'})`);
  console.log(`window p95 ${ms(p.p95)} ms (goal < ${GOAL_P95_MS} ms: ${p.p95 < GOAL_P95_MS ? 'met' : 'NOT met'})\n`);
  console.log('| window | JS files | raw KB | gzip KB (level 9) | goal ≤ 150 KB |');
  console.log('|---|---:|---:|---:|---|');
  for (const s of sizes()) console.log(`| ${s.id} | ${s.files} | ${s.rawKb.toFixed(1)} | ${s.gzipKb.toFixed(1)} | ${s.gzipKb <= GOAL_JS_GZIP_KB ? 'met' : 'NOT met'} |`);
}

await main();
