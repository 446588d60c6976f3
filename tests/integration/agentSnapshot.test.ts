import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_SNAPSHOT_BLOB, buildSnapshotBlob, buildSnapshotScript, SHIPPED_NODE } from '../../agent-snapshot.config.ts';
import { agentSnapshotSources } from '../../vite.agent.config.ts';
import { AgentStatusRequest, JobsRuns } from '../../shared/protocol/src/common/index.ts';
import { connectClient, makeSandbox, PROJECT_DIR } from '../support/agentProcess.ts';
import { rootDesktopFixture } from '../support/desktopSessions.ts';
import { systemUser } from '../support/requesterProcess.ts';
import { startProbeReport, startProbeSource } from '../support/startProbe.ts';

/**
 * Issue 17: the installed service starts from a V8 startup snapshot (`node --snapshot-blob keeper-agent.blob --
 * ARGS`, agent-snapshot.config.ts). The blob the real build makes must start and serve as the bundle does, find
 * its resources and the bundle beside it (the Startup job runs the bundle's job-tool), hold nothing of the
 * machine that built it, and the build must refuse a snapshot that loads a builtin Node cannot restore.
 */

/** The unit's arguments after the blob, and its `Environment=` lines. */
function unitCommand(): { args: string[]; environment: Record<string, string> } {
  const unit = readFileSync(join(PROJECT_DIR, 'resources/linux/keeper-agent.service'), 'utf8');
  const environment = Object.fromEntries(
    [...unit.matchAll(/^Environment=(.*)$/gm)]
      .flatMap((line) => line[1]!.trim().split(/\s+/))
      .map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]),
  );
  const execStart = /^ExecStart=(.*)$/m.exec(unit)![1]!;
  const argv = [...execStart.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
  return { args: argv.slice(argv.indexOf('--') + 1), environment };
}

describe('the agent started from its startup snapshot', () => {
  let work: string;
  let blob: string;
  const secret = randomBytes(16).toString('hex');

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'kpt-snapshot-'));
    // A variable of the build machine's that nothing may carry into the blob.
    process.env.KEEPER_SNAPSHOT_TEST_SECRET = secret;
    await build({ configFile: join(PROJECT_DIR, 'vite.agent.config.ts'), logLevel: 'warn', build: { outDir: join(work, 'dist/agent') } });
    delete process.env.KEEPER_SNAPSHOT_TEST_SECRET;
    blob = join(work, 'dist/agent', AGENT_SNAPSHOT_BLOB);
    // Laid out as the installers do: resources beside the bundle, the native modules where Node finds them from it.
    cpSync(join(PROJECT_DIR, 'resources'), join(work, 'resources'), { recursive: true });
    symlinkSync(join(PROJECT_DIR, 'node_modules'), join(work, 'node_modules'));
  }, 180_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('runs as the systemd unit runs it: answers agent.status with its policies and jobs loaded, runs the Startup job through the bundle beside it, stops cleanly, loading no more builtins than the bundle and compiling no zod parser', async () => {
    expect(existsSync(blob)).toBe(true);
    const sandbox = makeSandbox();
    const desktop = rootDesktopFixture();
    const { environment } = unitCommand();
    const probe = join(sandbox.dir, 'probe.cjs');
    writeFileSync(probe, startProbeSource());
    const child = spawn(
      SHIPPED_NODE,
      [
        '--snapshot-blob',
        blob,
        '-r',
        probe,
        '--',
        '--socket',
        sandbox.socket,
        '--data-dir',
        sandbox.dataDir,
        '--health-port',
        '0',
        '--logind-dir',
        desktop.dir,
      ],
      { cwd: '/', env: { ...process.env, ...environment, NODE_COMPILE_CACHE: join(sandbox.dir, 'cache') }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await expect.poll(() => child.exitCode === null && existsSync(sandbox.socket), { timeout: 15_000 }).toBe(true);
      const client = await connectClient(sandbox.socket);
      const status = await client.request(AgentStatusRequest, null);
      expect(status.policies.files, stderr).toBeGreaterThan(0);
      // log-version-info runs `{{NodePath}} {{AgentScript}} job-tool version-info` 500 ms after the agent serves.
      await expect
        .poll(async () => (await client.request(JobsRuns, { jobId: 'log-version-info', limit: 1 })).runs[0]?.status, { timeout: 15_000 })
        .toBe('succeeded');
      const [run] = (await client.request(JobsRuns, { jobId: 'log-version-info', limit: 1 })).runs;
      expect(JSON.parse(run!.tasks[0]!.stdout)).toMatchObject({ AgentVersion: status.version });
      client.close();
      child.kill('SIGTERM');
      expect(await exited, stderr).toBe(0);
      const report = startProbeReport(stderr);
      if (!report) throw new Error(`the probe reported nothing: ${stderr}`);
      // The builtins the snapshot defers were loaded when used; the fleet's, pino's transports' and perf_hooks never.
      expect(report.builtins).toEqual(expect.arrayContaining(['net', 'http', 'child_process']));
      expect(report.builtins.filter((name) => ['https', 'tls', 'zlib', 'worker_threads', 'assert', 'perf_hooks'].includes(name))).toEqual([]);
      expect(report.compiled).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      desktop.cleanup();
      sandbox.cleanup();
    }
  }, 60_000);

  it('holds none of the build machine: no variable of its environment, no folder the build wrote to', () => {
    const bytes = readFileSync(blob);
    expect(bytes.includes(secret)).toBe(false);
    expect(bytes.includes(work)).toBe(false);
    // pino's default `base` would keep it (agent-snapshot.config.ts reads it when used); too short a name matches anything.
    if (hostname().length >= 6) expect(bytes.includes(hostname())).toBe(false);
  });

  it('built by an unprivileged account (the OS user nobody, as a CI account would), does not trust that account’s policies as root', async () => {
    const nobody = systemUser('nobody');
    const dir = mkdtempSync(join(tmpdir(), 'kpt-snapshot-nobody-'));
    try {
      const script = await buildSnapshotScript(agentSnapshotSources(), dir);
      chownSync(dir, nobody.uid, nobody.gid);
      buildSnapshotBlob(dir, script, 'nobody.blob', nobody);
      // Beside the bundle, where the installed blob is, so that it finds its resources and addons.
      const built = join(work, 'dist/agent/nobody.blob');
      cpSync(join(dir, 'nobody.blob'), built);
      const sandbox = makeSandbox();
      try {
        const owned = join(sandbox.dir, 'nobody-owned');
        mkdirSync(owned, { mode: 0o755 });
        const policies = join(owned, 'policies');
        cpSync(join(PROJECT_DIR, 'resources/policies'), policies, { recursive: true });
        chmodSync(policies, 0o755);
        chownSync(policies, nobody.uid, nobody.gid);
        const run = spawnSync(
          SHIPPED_NODE,
          ['--snapshot-blob', built, '--', '--socket', sandbox.socket, '--data-dir', sandbox.dataDir, '--health-port', '0', '--policies', policies],
          { cwd: '/', encoding: 'utf8', timeout: 15_000 },
        );
        expect(run.status, run.stderr).toBe(2);
        expect(run.stderr).toContain(`owned by uid ${nobody.uid}`);
      } finally {
        sandbox.cleanup();
        rmSync(built, { force: true });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('refuses a module whose body reads the user, the host, the environment, a file or randomness (even when it catches the error): the blob would keep the build machine’s', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kpt-snapshot-guard-'));
    try {
      const guard = join(PROJECT_DIR, 'apps/agent-service/src/runtime/snapshotGuard.ts');
      for (const [name, read] of [
        ['uid', 'process.getuid()'],
        ['env', 'process.env.NODE_ENV'],
        ['host', "process.getBuiltinModule('node:os').hostname()"],
        ['envNames', 'Object.keys(process.env).length'],
        ['uuid', "process.getBuiltinModule('node:crypto').randomUUID()"],
        ['webUuid', 'globalThis.crypto.randomUUID()'],
        ['randomInt', "process.getBuiltinModule('node:crypto').randomInt(10)"],
        ['file', "process.getBuiltinModule('node:fs').existsSync('/etc/hostname')"],
        ['caught', "(() => { try { return process.getBuiltinModule('node:fs').readFileSync('/nonexistent'); } catch { return null; } })()"],
      ] as const) {
        writeFileSync(join(dir, `${name}.ts`), `export const value = ${read};\n`);
        writeFileSync(
          join(dir, `${name}Entry.ts`),
          `import { assertNoProcessReadWhileBuilding } from ${JSON.stringify(guard)};\nimport { value } from './${name}.ts';\nassertNoProcessReadWhileBuilding();\nprocess.getBuiltinModule('node:v8').startupSnapshot.setDeserializeMainFunction(() => console.log(value));\n`,
        );
        await build({
          configFile: false,
          logLevel: 'warn',
          ssr: { target: 'node', noExternal: true },
          build: {
            ssr: join(dir, `${name}Entry.ts`),
            outDir: dir,
            emptyOutDir: false,
            minify: false,
            rolldownOptions: { output: { format: 'cjs', entryFileNames: `${name}.cjs` } },
          },
        });
        expect(() => buildSnapshotBlob(dir, `${name}.cjs`, 'refused.blob'), name).toThrow(/read while the startup snapshot was built/);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('refuses a builtin whose state a snapshot may not restore, loaded at build time', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kpt-snapshot-refuse-'));
    try {
      writeFileSync(join(dir, 'required.cjs'), "require('node:http');\nrequire('node:v8').startupSnapshot.setDeserializeMainFunction(() => {});\n");
      expect(() => buildSnapshotBlob(dir, 'required.cjs', 'refused.blob')).toThrow(/built-in module "node:http"/);
      writeFileSync(
        join(dir, 'fetched.cjs'),
        "process.getBuiltinModule('node:http');\nrequire('node:v8').startupSnapshot.setDeserializeMainFunction(() => {});\n",
      );
      expect(() => buildSnapshotBlob(dir, 'fetched.cjs', 'refused.blob')).toThrow(/startup snapshot was refused/);
      expect(existsSync(join(dir, 'refused.blob'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
