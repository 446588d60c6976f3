import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_SNAPSHOT_BLOB, buildSnapshotBlob, keepBuiltinCodeCache, SHIPPED_NODE, SNAPSHOT_CODE_CACHE_BUILTINS } from '../../agent-snapshot.config.ts';
import { AgentStatusRequest, JobsRuns } from '../../shared/protocol/src/common/index.ts';
import { connectClient, makeSandbox, PROJECT_DIR } from '../support/agentProcess.ts';
import { rootDesktopFixture } from '../support/desktopSessions.ts';

/**
 * Issue 17: the blob keeps Node's code cache only for the builtins the service loads after its start
 * (SNAPSHOT_CODE_CACHE_BUILTINS), not for all ~390. Node reports each builtin it compiles with
 * NODE_DEBUG_NATIVE=CODE_CACHE: "Compiling <id> with code cache" or "… without code cache".
 */

const compiledWithout = (output: string) => [...output.matchAll(/^Compiling (\S+) without code cache/gm)].map((match) => match[1]!);
const compiledWith = (output: string) => [...output.matchAll(/^Compiling (\S+) with code cache/gm)].map((match) => match[1]!);

describe("the blob's builtin code cache", () => {
  let dir: string;
  let blob: Buffer;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kpt-code-cache-'));
    // A blob that holds nothing and loads http and zlib in its main: both were compiled by the builder, so both have a code cache.
    writeFileSync(
      join(dir, 'tiny.cjs'),
      "require('node:v8').startupSnapshot.setDeserializeMainFunction(() => { process.getBuiltinModule('node:http'); process.getBuiltinModule('node:zlib'); });\n",
    );
    buildSnapshotBlob(dir, 'tiny.cjs', 'tiny.blob');
    blob = readFileSync(join(dir, 'tiny.blob'));
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function run(bytes: Buffer): string {
    writeFileSync(join(dir, 'run.blob'), bytes);
    const result = spawnSync(SHIPPED_NODE, ['--snapshot-blob', join(dir, 'run.blob')], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', NODE_DEBUG_NATIVE: 'CODE_CACHE' },
    });
    expect(result.status, result.stderr).toBe(0);
    return `${result.stdout}${result.stderr}`;
  }

  it('keeps the listed builtins’ cache and only theirs: the blob still starts, a kept builtin compiles with its cache, another without', () => {
    expect(compiledWithout(run(blob))).toEqual([]);
    const trimmed = keepBuiltinCodeCache(blob, ['http']);
    expect(trimmed.length).toBeLessThan(blob.length / 2);
    const output = run(trimmed);
    expect(compiledWith(output)).toEqual(['http']);
    expect(compiledWithout(output)).toEqual(expect.arrayContaining(['_http_server', 'zlib']));
    // The trimmed blob parses the same way again: the cache is still where Node reads it, with one entry.
    expect(keepBuiltinCodeCache(trimmed, ['http'])).toEqual(trimmed);
  });

  it('refuses a builtin the blob has no cache for, and a blob whose end does not parse as the cache', () => {
    expect(() => keepBuiltinCodeCache(blob, ['http', 'no_such_builtin'])).toThrow(/no code cache for no_such_builtin/);
    expect(() => keepBuiltinCodeCache(blob.subarray(0, blob.length - 1), ['http'])).toThrow(/0 places in the blob parse as Node's code cache/);
  });
});

describe('the installed service’s start', () => {
  let work: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'kpt-code-cache-agent-'));
    await build({ configFile: join(PROJECT_DIR, 'vite.agent.config.ts'), logLevel: 'warn', build: { outDir: join(work, 'dist/agent') } });
    cpSync(join(PROJECT_DIR, 'resources'), join(work, 'resources'), { recursive: true });
    symlinkSync(join(PROJECT_DIR, 'node_modules'), join(work, 'node_modules'));
  }, 180_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('keeps the listed builtins’ code cache only, and compiles every builtin it loads up to its first answer and its Startup job from it', async () => {
    const blob = join(work, 'dist/agent', AGENT_SNAPSHOT_BLOB);
    // Only the listed builtins' cache is in the blob: keeping them again changes nothing.
    const bytes = readFileSync(blob);
    expect(keepBuiltinCodeCache(bytes, SNAPSHOT_CODE_CACHE_BUILTINS).equals(bytes)).toBe(true);
    const sandbox = makeSandbox();
    const desktop = rootDesktopFixture();
    const child = spawn(
      SHIPPED_NODE,
      ['--snapshot-blob', blob, '--', '--socket', sandbox.socket, '--data-dir', sandbox.dataDir, '--health-port', '0', '--logind-dir', desktop.dir],
      { cwd: '/', env: { ...process.env, NODE_DEBUG_NATIVE: 'CODE_CACHE' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await expect.poll(() => child.exitCode === null && existsSync(sandbox.socket), { timeout: 15_000 }).toBe(true);
      const client = await connectClient(sandbox.socket);
      expect((await client.request(AgentStatusRequest, null)).policies.files, output).toBeGreaterThan(0);
      await expect
        .poll(async () => (await client.request(JobsRuns, { jobId: 'log-version-info', limit: 1 })).runs[0]?.status, { timeout: 15_000 })
        .toBe('succeeded');
      client.close();
      child.kill('SIGTERM');
      expect(await exited, output).toBe(0);
      expect(compiledWith(output)).toEqual(expect.arrayContaining(['http', 'child_process', 'cluster']));
      expect(compiledWith(output).filter((id) => !(SNAPSHOT_CODE_CACHE_BUILTINS as readonly string[]).includes(id))).toEqual([]);
      expect(compiledWithout(output), 'a builtin the service loads is missing from SNAPSHOT_CODE_CACHE_BUILTINS').toEqual([]);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      desktop.cleanup();
      sandbox.cleanup();
    }
  }, 60_000);
});
