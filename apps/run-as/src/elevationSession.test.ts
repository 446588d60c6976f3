import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

/** Every module file Node loads to evaluate `module` (a load hook registered before it), with the import's exit status. */
function modulesLoadedBy(module: string): { status: number | null; loaded: string[] } {
  const hook = `import { registerHooks } from 'node:module';
    registerHooks({ load(url, context, next) { if (url.startsWith('file:')) process.stderr.write('LOADED ' + url + '\\n'); return next(url, context); } });`;
  const run = spawnSync(
    process.execPath,
    [
      '--import',
      `data:text/javascript,${encodeURIComponent(hook)}`,
      '--input-type=module',
      '-e',
      `await import(${JSON.stringify(pathToFileURL(module).href)});`,
    ],
    { encoding: 'utf8' },
  );
  const loaded = run.stderr
    .split('\n')
    .filter((line) => line.startsWith('LOADED '))
    .map((line) => line.slice('LOADED '.length));
  return { status: run.status, loaded };
}

describe('keeper-elevate and keeper-runas start an elevation before zod is loaded', () => {
  it('the module that writes session.hello and elevation.request loads no zod and no schema', () => {
    // The rest (elevationProgress.ts: the subset checks) is imported after both requests are written,
    // so that the agent answers them while it is evaluated.
    const run = modulesLoadedBy(join(import.meta.dirname, 'elevationSession.ts'));
    expect(run.status).toBe(0);
    expect(run.loaded.some((url) => url.endsWith('/shared/protocol/src/node/oneShotConnection.ts'))).toBe(true);
    expect(run.loaded.filter((url) => url.includes('/zod/') || /\/(elevationMethods|elevationProgress|oneShotClient|method)\.ts$/.test(url))).toEqual([]);
  });

  it('the rest of an elevation (checking the answers, relaying the program) loads no zod either', () => {
    // zod/mini and its schemas were several milliseconds of a call's CPU; hand-written checks replace them.
    const run = modulesLoadedBy(join(import.meta.dirname, 'elevationProgress.ts'));
    expect(run.status).toBe(0);
    expect(run.loaded.some((url) => url.endsWith('/apps/run-as/src/elevationMethods.ts'))).toBe(true);
    expect(run.loaded.filter((url) => url.includes('/zod/') || url.includes('/shared/protocol/src/common/methods/'))).toEqual([]);
  });
});
