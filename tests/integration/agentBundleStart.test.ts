import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentStatusRequest } from '../../shared/protocol/src/common/index.ts';
import { connectClient, makeSandbox, PROJECT_DIR, startAgent } from '../support/agentProcess.ts';
import { startProbeReport, startProbeSource } from '../support/startProbe.ts';

/**
 * Issue 17, the agent's footprint: what the built bundle loads and sets up when the installed service
 * starts it (`node keeper-agent.mjs`, no bin in front, no node flags) without --fleet, seen from inside
 * the process by a probe that runs first and reports when it exits:
 * - the builtins the fleet's clients bring (`ws` needs https, tls and zlib: ~5 MB resident) are not loaded,
 *   nor those of pino's transports (worker_threads, assert) or perf_hooks;
 * - zod compiles no parser (`new Function`): it runs jitless from before the first schema is built;
 * - the young generation stayed at its first semi-spaces (--semi-space-growth-factor=1, set by the agent);
 * and that the systemd unit no longer runs it (it runs the startup snapshot built from the same sources).
 */

/** The installed unit's settings: each key's values, `Environment=A=1 B=2` lines split into their assignments. */
function serviceUnit(): { settings: Map<string, string[]>; environment: Record<string, string> } {
  const settings = new Map<string, string[]>();
  for (const line of readFileSync(join(PROJECT_DIR, 'resources/linux/keeper-agent.service'), 'utf8').split('\n')) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (match) settings.set(match[1]!, [...(settings.get(match[1]!) ?? []), match[2]!]);
  }
  const assignments = (settings.get('Environment') ?? []).flatMap((value) => value.trim().split(/\s+/));
  return { settings, environment: Object.fromEntries(assignments.map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)])) };
}

function probe(bundle: string): string {
  return startProbeSource(`await import(${JSON.stringify(pathToFileURL(bundle).href)});\n`);
}

describe('the agent bundle started without a fleet', () => {
  let work: string;
  let probeScript: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'kpt-bundlestart-'));
    // The real build; resources/ and the native modules beside it as the installers lay them out.
    await build({ configFile: join(PROJECT_DIR, 'vite.agent.config.ts'), logLevel: 'warn', build: { outDir: join(work, 'dist/agent') } });
    cpSync(join(PROJECT_DIR, 'resources'), join(work, 'resources'), { recursive: true });
    symlinkSync(join(PROJECT_DIR, 'node_modules'), join(work, 'node_modules'));
    probeScript = join(work, 'probe.mjs');
    writeFileSync(probeScript, probe(join(work, 'dist/agent/keeper-agent.mjs')));
  }, 120_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('loads no fleet client nor pino transport, compiles no zod parser and keeps its young generation small, through its first answer and stop', async () => {
    const sandbox = makeSandbox();
    try {
      const agent = await startAgent({ socket: sandbox.socket, dataDir: sandbox.dataDir, agentBin: probeScript });
      const client = await connectClient(sandbox.socket);
      const status = await client.request(AgentStatusRequest, null);
      client.close();
      expect(status.policies.files).toBeGreaterThan(0);
      expect(await agent.stop()).toBe(0);

      const report = startProbeReport(agent.output());
      if (!report) throw new Error(`the probe reported nothing: ${agent.output()}`);
      expect(report.builtins).toContain('net');
      expect(report.builtins.filter((name) => ['https', 'tls', 'zlib'].includes(name))).toEqual([]);
      // pino's transports (worker threads, assert) and perf_hooks: ~2 MB, for nothing the agent's start uses.
      expect(report.builtins.filter((name) => ['worker_threads', 'assert', 'perf_hooks'].includes(name))).toEqual([]);
      expect(report.compiled).toBe(0);
      // 4 MB as the agent sets it; a young generation left to grow reaches 16 MB during the start.
      expect(report.newSpace).toBeLessThan(8 * 1024 * 1024);
    } finally {
      sandbox.cleanup();
    }
  }, 60_000);

  it('is not what the systemd unit runs: the unit starts its startup snapshot, and keeps no compile cache it would not use', () => {
    const { settings, environment } = serviceUnit();
    // tests/integration/agentSnapshot.test.ts starts the blob; nothing in a snapshot is compiled from a file.
    expect(settings.get('ExecStart')?.[0]).toMatch(/ --snapshot-blob "[^"]*\/keeper-agent\.blob" -- /);
    expect(environment.NODE_COMPILE_CACHE).toBeUndefined();
    expect(settings.has('CacheDirectory')).toBe(false);
  });
});
