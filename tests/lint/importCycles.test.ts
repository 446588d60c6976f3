import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { ESLint, type Linter } from 'eslint';
import ts from 'typescript';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

/**
 * "No import cycle anywhere" (docs/architecture.md, "Import rules"). eslint.config.js runs
 * import-x/no-cycle, which skips `import type`; this file closes that gap by building the whole
 * import graph (type-only imports, re-exports and dynamic `import()` included) and asking for its
 * cycles. Both checks are proven to bite on a planted cycle.
 */
const projectDir = resolve(import.meta.dirname, '../..');
const ROOTS = ['apps', 'shared', 'tests', 'bench'];
const SKIP = new Set(['node_modules', 'dist', 'build']);

/** Cycles that are allowed to exist. Empty, and meant to stay so. */
const EXEMPT: readonly string[][] = [];

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name) || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) sourceFiles(path, out);
    else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Every set of files that import each other in a ring (strongly connected components of size > 1). */
function importCycles(sources: ReadonlyMap<string, string>): string[][] {
  const edges = new Map<string, string[]>();
  for (const [file, text] of sources) {
    const { importedFiles } = ts.preProcessFile(text, true, true);
    edges.set(
      file,
      importedFiles.map(({ fileName }) => resolve(dirname(file), fileName)).filter((target) => sources.has(target)),
    );
  }
  // Tarjan's algorithm, iterative so a deep tree cannot overflow the stack.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  for (const start of edges.keys()) {
    if (index.has(start)) continue;
    const work: [string, number][] = [[start, 0]];
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const [node, next] = frame;
      if (next === 0) {
        index.set(node, index.size);
        low.set(node, index.get(node)!);
        stack.push(node);
        onStack.add(node);
      }
      const targets = edges.get(node)!;
      if (next < targets.length) {
        frame[1] = next + 1;
        const target = targets[next]!;
        if (!index.has(target)) work.push([target, 0]);
        else if (onStack.has(target)) low.set(node, Math.min(low.get(node)!, index.get(target)!));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent[0], Math.min(low.get(parent[0])!, low.get(node)!));
      if (low.get(node) === index.get(node)) {
        const ring: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          ring.push(member);
        } while (member !== node);
        if (ring.length > 1) cycles.push(ring.map((f) => relative(projectDir, f)).sort());
      }
    }
  }
  return cycles;
}

describe('no import cycles', () => {
  it('the tree has none, counting type-only and dynamic imports', () => {
    const files = ROOTS.flatMap((root) => sourceFiles(join(projectDir, root)));
    expect(files.length).toBeGreaterThan(100);
    const cycles = importCycles(new Map(files.map((f) => [f, readFileSync(f, 'utf8')])));
    expect(cycles).toEqual(EXEMPT);
  });

  it('the graph check finds a cycle made of a type import and a dynamic import', () => {
    const a = join(projectDir, 'apps/agent-service/src/a.ts');
    const b = join(projectDir, 'apps/agent-service/src/b.ts');
    const c = join(projectDir, 'apps/agent-service/src/c.ts');
    const sources = new Map([
      [a, "import type { B } from './b.ts';\nexport type A = B;\n"],
      [b, "export type B = string;\nexport const load = () => import('./c.ts');\n"],
      [c, "export { type A } from './a.ts';\n"],
    ]);
    expect(importCycles(sources)).toEqual([['apps/agent-service/src/a.ts', 'apps/agent-service/src/b.ts', 'apps/agent-service/src/c.ts']]);
    sources.set(c, 'export const c = 1;\n');
    expect(importCycles(sources)).toEqual([]);
  });

  it('lint (import-x/no-cycle in eslint.config.js) rejects a runtime cycle', async () => {
    // Real files: the rule reads the imported module from disk. They live in a private folder
    // under tests/ (where any import is allowed) and are removed at once.
    const dir = join(projectDir, 'tests', `.cycle-probe-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    try {
      writeFileSync(join(dir, 'left.ts'), "import { right } from './right.ts';\nexport const left = () => right;\n");
      writeFileSync(join(dir, 'right.ts'), "import { left } from './left.ts';\nexport const right = () => left;\n");
      const eslint = new ESLint({
        cwd: projectDir,
        overrideConfig: tseslint.configs.disableTypeChecked as Linter.Config,
        ruleFilter: ({ ruleId }) => ruleId === 'import-x/no-cycle',
      });
      const [result] = await eslint.lintText(readFileSync(join(dir, 'left.ts'), 'utf8'), { filePath: join(dir, 'left.ts') });
      expect(result?.messages).toEqual([expect.objectContaining({ line: 1, ruleId: 'import-x/no-cycle' })]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
