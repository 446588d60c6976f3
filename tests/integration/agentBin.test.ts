import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentStatusRequest, PROTOCOL_VERSION, SessionHello } from '../../shared/protocol/src/common/index.ts';
import { AgentClient } from '../../shared/protocol/src/node/agentClient.ts';
import agentConfig, { AGENT_SOURCES_MANIFEST } from '../../vite.agent.config.ts';
import { makeSandbox, PROJECT_DIR, startAgent } from '../support/agentProcess.ts';

/**
 * Issue 17: the keeper-agent bin (package.json "bin", `npm exec keeper-agent`, an installed package)
 * runs the built, minified bundle with the compile cache; the TypeScript source runs only in a
 * development checkout whose bundle is missing or older than a file it was built from. Each case runs
 * the project's own bin files, copied into a package laid out in a temp folder.
 */

const packageBins = (JSON.parse(readFileSync(join(PROJECT_DIR, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin;

/** Every project module file Node loads for `node <argv>`, reported by a load hook registered before the program. */
function run(argv: readonly string[], env: Record<string, string>) {
  const hook = `import { registerHooks } from 'node:module';
    registerHooks({ load(url, context, next) { if (url.startsWith('file:') && !url.includes('/node_modules/')) process.stderr.write('LOADED ' + url + '\\n'); return next(url, context); } });`;
  const result = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(hook)}`, ...argv], {
    encoding: 'utf8',
    env: { PATH: '/usr/bin:/bin', ...env },
  });
  const loaded = result.stderr
    .split('\n')
    .filter((line) => line.startsWith('LOADED '))
    .map((line) => line.slice('LOADED '.length));
  return { status: result.status, stdout: result.stdout, loaded };
}

/** A package folder with the project's bin files: `apps/agent-service/bin/keeper-agent.js` and its starter. */
function packageWithBin(root: string): string {
  const binDir = join(root, 'apps/agent-service/bin');
  mkdirSync(binDir, { recursive: true });
  cpSync(join(PROJECT_DIR, 'apps/agent-service/bin'), binDir, { recursive: true });
  symlinkSync(join(PROJECT_DIR, 'node_modules'), join(root, 'node_modules'));
  return join(binDir, 'keeper-agent.js');
}

describe('the keeper-agent bin', () => {
  let work: string;
  let home: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'kpt-agentbin-'));
    home = join(work, 'home');
    mkdirSync(home, { mode: 0o700 });
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('is the bin that package.json names', () => {
    expect(packageBins['keeper-agent']).toBe('apps/agent-service/bin/keeper-agent.js');
  });

  describe('in a package built with `npm run build`', () => {
    let pkg: string;
    let bin: string;

    beforeAll(async () => {
      pkg = join(work, 'package');
      bin = packageWithBin(pkg);
      // The real build, into the package's dist/agent; resources/ as the package ships it.
      await build({ configFile: join(PROJECT_DIR, 'vite.agent.config.ts'), logLevel: 'warn', build: { outDir: join(pkg, 'dist/agent') } });
      cpSync(join(PROJECT_DIR, 'resources'), join(pkg, 'resources'), { recursive: true });
    }, 120_000);

    it('starts the minified bundle with the compile cache in the user’s own folder, and no TypeScript source', () => {
      const result = run([bin, '--version'], { HOME: home });
      expect(result.status).toBe(0);
      expect(result.stdout).toBe(`${(JSON.parse(readFileSync(join(PROJECT_DIR, 'package.json'), 'utf8')) as { version: string }).version}\n`);
      expect(result.loaded).toContain(pathToFileURL(join(pkg, 'dist/agent/keeper-agent.mjs')).href);
      expect(result.loaded.filter((url) => url.endsWith('.ts'))).toEqual([]);
      expect(agentConfig.build?.minify).toBe(true);
      expect(readFileSync(join(pkg, 'dist/agent', AGENT_SOURCES_MANIFEST), 'utf8')).toContain('apps/agent-service/src/main.ts');
      expect(spawnSync('find', [join(home, '.cache/keeper/node-compile-cache'), '-type', 'f'], { encoding: 'utf8' }).stdout).not.toBe('');
    });

    it('finds its default policies, jobs and agentic signatures in the package’s resources/', async () => {
      const sandbox = makeSandbox();
      const agent = await startAgent({ socket: sandbox.socket, dataDir: sandbox.dataDir, agentBin: bin });
      try {
        const client = await AgentClient.connect(sandbox.socket);
        await client.request(SessionHello, { protocolVersion: PROTOCOL_VERSION, client: { kind: 'cli', name: 'agent-bin-test', version: '1' } });
        const status = await client.request(AgentStatusRequest, null);
        client.close();
        expect(status.policies).toMatchObject({ errors: [] });
        expect(status.policies.files).toBeGreaterThan(0);
        expect(status.jobs).toEqual({ errors: [] });
      } finally {
        await agent.stop();
        sandbox.cleanup();
      }
    }, 30_000);
  });

  describe('in a development checkout', () => {
    let pkg: string;
    let bin: string;
    const source = () => join(pkg, 'apps/agent-service/src/main.ts');
    const bundle = () => join(pkg, 'dist/agent/keeper-agent.mjs');

    beforeAll(() => {
      pkg = join(work, 'checkout');
      bin = packageWithBin(pkg);
      mkdirSync(join(pkg, 'apps/agent-service/src'), { recursive: true });
      writeFileSync(source(), "const from: string = 'source';\nconsole.log(from);\n");
      mkdirSync(join(pkg, 'dist/agent'), { recursive: true });
      writeFileSync(bundle(), "console.log('bundle');\n");
      writeFileSync(join(pkg, 'dist/agent', AGENT_SOURCES_MANIFEST), JSON.stringify(['apps/agent-service/src/main.ts']));
    });

    const at = (path: string, seconds: number) => utimesSync(path, seconds, seconds);

    it('runs the bundle while it is newer than every file it was built from', () => {
      at(source(), 1_000);
      at(bundle(), 2_000);
      expect(run([bin], { HOME: home })).toMatchObject({ status: 0, stdout: 'bundle\n' });
    });

    it('runs the source once a file the bundle was built from changed, or the manifest is missing', () => {
      at(source(), 3_000);
      const result = run([bin], { HOME: home });
      expect(result).toMatchObject({ status: 0, stdout: 'source\n' });
      expect(result.loaded).toContain(pathToFileURL(source()).href);
      expect(result.loaded).not.toContain(pathToFileURL(bundle()).href);

      at(source(), 1_000);
      rmSync(join(pkg, 'dist/agent', AGENT_SOURCES_MANIFEST));
      expect(run([bin], { HOME: home })).toMatchObject({ status: 0, stdout: 'source\n' });
    });
  });
});
