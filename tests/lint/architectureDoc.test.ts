import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * docs/architecture.md stays a true map: it names every folder under apps/ and shared/ (and every
 * folder of the agent's src/), and every file it cites as proof or as a step exists.
 */
const projectDir = resolve(import.meta.dirname, '../..');
const doc = readFileSync(join(projectDir, 'docs/architecture.md'), 'utf8');
const folders = (dir: string) =>
  readdirSync(join(projectDir, dir), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name !== 'node_modules')
    .map((entry) => entry.name);

describe('docs/architecture.md', () => {
  it('names every folder under apps/ and shared/', () => {
    const missing = [...folders('apps').map((name) => `apps/${name}/`), ...folders('shared').map((name) => `shared/${name}/`)].filter(
      (folder) => !doc.includes(`\`${folder}\``),
    );
    expect(missing).toEqual([]);
  });

  it("names every folder of the agent's src/", () => {
    const missing = folders('apps/agent-service/src').filter((name) => !doc.includes(`\`${name}/\``));
    expect(missing).toEqual([]);
  });

  it('cites only files that exist', () => {
    const cited = [...doc.matchAll(/`((?:apps|shared|tests|docs|resources)\/[\w./-]+\.(?:ts|tsx|js|json|md))`/g)].map((match) => match[1]!);
    expect(cited.length).toBeGreaterThan(40);
    expect(cited.filter((path) => !existsSync(join(projectDir, path)))).toEqual([]);
  });
});
