import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI_NATIVE_DEPENDENCIES, cliConfig } from '../../vite.cli.config.ts';
import { PROJECT_DIR } from '../support/agentProcess.ts';
import { buildCliBundles } from '../support/cliBundles.ts';

/** Every module file Node loads for `node <argv>`, reported by a load hook registered before the program. */
function modulesLoaded(argv: readonly string[], env: Record<string, string> = {}) {
  const hook = `import { registerHooks } from 'node:module';
    registerHooks({ load(url, context, next) { if (url.startsWith('file:')) process.stderr.write('LOADED ' + url + '\\n'); return next(url, context); } });`;
  const run = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(hook)}`, ...argv], {
    encoding: 'utf8',
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: mkdtempSync(join(tmpdir(), 'kpt-home-')), ...env },
  });
  const loaded = run.stderr
    .split('\n')
    .filter((line) => line.startsWith('LOADED '))
    .map((line) => line.slice('LOADED '.length));
  const stderr = run.stderr
    .split('\n')
    .filter((line) => line && !line.startsWith('LOADED '))
    .join('\n');
  return { status: run.status, stdout: run.stdout, stderr, loaded };
}

const packageBins = (JSON.parse(readFileSync(join(PROJECT_DIR, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin;

describe('the CLI bins users run (package.json "bin", npm exec)', () => {
  let bundles: Awaited<ReturnType<typeof buildCliBundles>>;
  beforeAll(async () => {
    bundles = await buildCliBundles();
  }, 60_000);

  it.each(['keeper-elevate', 'keeper-runas', 'keeper-edit'] as const)('%s starts its built bundle and no TypeScript source', (name) => {
    const bin = join(PROJECT_DIR, packageBins[name]!);
    expect(packageBins[name]).toBe(`apps/run-as/bin/${name}.js`);
    const run = modulesLoaded([bin, '--help']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`Usage: ${name}`);
    expect(run.loaded).toContain(pathToFileURL(bundles[name]).href);
    expect(run.loaded.filter((url) => url.endsWith('.ts'))).toEqual([]);
  });

  it('each bundle is one minified ESM file that loads only Node builtins and the peer-credential addon', () => {
    for (const name of ['keeper-elevate', 'keeper-runas', 'keeper-edit'] as const) {
      const config = cliConfig(name);
      expect(config.build?.minify).toBe(true);
      expect(config.build?.rolldownOptions?.output).toMatchObject({ format: 'es', codeSplitting: false });
      expect(CLI_NATIVE_DEPENDENCIES).toEqual(['@keeper/peercred']);
      const code = readFileSync(bundles[name], 'utf8');
      // Static imports, dynamic imports and the builtins read through process.getBuiltinModule (vite.cli.config.ts).
      const specifiers = [...code.matchAll(/\bfrom\s*["'`]([^"'`]+)["'`]|\bimport\(\s*["'`]([^"'`]+)["'`]|getBuiltinModule\(\s*["'`]([^"'`]+)["'`]/g)].map(
        (m) => m[1] ?? m[2] ?? m[3],
      );
      expect(specifiers.length).toBeGreaterThan(0);
      for (const specifier of specifiers) expect(specifier, name).toMatch(/^node:/);
      // The addon is reached with createRequire at run time, never inlined (a .node file cannot be).
      expect(code).toContain('@keeper/peercred');
      expect(code).not.toContain('secondaryApprover');
      if (name === 'keeper-edit') {
        // The pure `z.*` marking drops unused schemas, and must not drop keeper-edit's zod setting with them.
        expect(code).toMatch(/jitless:\s*(!0|true)\s*\}\s*\)/);
      } else {
        // An elevation's answers are checked by hand (apps/run-as/src/elevationMethods.ts): no zod is evaluated.
        expect(code, name).not.toMatch(/_zod|\$ZodType|ZodError/);
      }
    }
  });

  it('--help loads no protocol module and no zod', () => {
    // From source, the module graph shows it directly (the bundle inlines everything into one file).
    const run = modulesLoaded([join(PROJECT_DIR, 'apps/run-as/src/keeperElevate.ts'), '--help']);
    expect(run.status).toBe(0);
    expect(run.loaded.some((url) => url.includes('/cliArgs.ts'))).toBe(true);
    expect(run.loaded.filter((url) => url.includes('/zod/') || url.includes('/shared/protocol/'))).toEqual([]);
  });

  it('without a built bundle the bin runs the source, silently when stderr is not a terminal', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kpt-src-'));
    try {
      const source = join(dir, 'cli.ts');
      writeFileSync(source, "const said: string = 'ran from source';\nconsole.log(said);\n");
      const starter = pathToFileURL(join(PROJECT_DIR, 'apps/run-as/bin/startCli.js')).href;
      const script = `const { startCli } = await import(${JSON.stringify(starter)}); await startCli('keeper-not-built', new URL(${JSON.stringify(pathToFileURL(source).href)}));`;
      const run = modulesLoaded(['--input-type=module', '-e', script]);
      expect(run).toMatchObject({ status: 0, stdout: 'ran from source\n', stderr: '' });
      expect(run.loaded).toContain(pathToFileURL(source).href);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
