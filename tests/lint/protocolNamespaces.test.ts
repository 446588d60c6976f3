import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as protocol from '../../shared/protocol/src/common/index.ts';

/**
 * "A method lives in the file named after its namespace, and so does its handler" (docs/architecture.md,
 * "Adding a protocol method"): `prompt.respond` is declared in methods/prompt.ts and routed in handlers/prompt.ts.
 */
const projectDir = resolve(import.meta.dirname, '../..');
const methodsDir = join(projectDir, 'shared/protocol/src/common/methods');
const agentSrc = join(projectDir, 'apps/agent-service/src');
const handlersDir = join(agentSrc, 'handlers');

const namespaceOf = (method: string) => method.split('.')[0];

/** Methods a declaration file defines whose namespace is not the file's name. */
function misplacedDeclarations(fileName: string, source: string): string[] {
  const names = [...source.matchAll(/define(?:Request|Notification)\(\s*'([^']+)'/g)].map((m) => m[1] ?? '');
  return names.filter((name) => namespaceOf(name) !== basename(fileName, '.ts'));
}

/** Descriptor export name → method name, from the protocol's public index. */
const methodOfExport = new Map(
  Object.entries(protocol).flatMap(([name, value]) =>
    typeof value === 'object' && value !== null && 'kind' in value && 'method' in value && typeof value.method === 'string'
      ? [[name, value.method] as const]
      : [],
  ),
);

/** Methods routed in a source file; an unknown descriptor name is reported as itself. */
function routedMethods(source: string): string[] {
  return [...source.matchAll(/\broute\(\s*([A-Za-z_$][\w$]*)/g)].map((m) => methodOfExport.get(m[1] ?? '') ?? `unknown descriptor ${m[1]}`);
}

/** Methods a handler file routes whose namespace is not the file's name. */
function misplacedHandlers(fileName: string, source: string): string[] {
  return routedMethods(source).filter((method) => namespaceOf(method) !== basename(fileName, '.ts'));
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'))
    .map((e) => join(e.parentPath, e.name));
}

describe('protocol namespaces', () => {
  it('every method is declared in the methods/ file named after its namespace', () => {
    const files = readdirSync(methodsDir).filter((n) => n.endsWith('.ts') && !n.endsWith('.test.ts'));
    expect(files.length).toBeGreaterThan(5);
    const off = files.flatMap((n) => misplacedDeclarations(n, readFileSync(join(methodsDir, n), 'utf8')).map((m) => `${n}: ${m}`));
    expect(off).toEqual([]);
  });

  it('every handler file routes only its own namespace, and routes live only in handlers/', () => {
    const off: string[] = [];
    for (const file of sourceFiles(agentSrc)) {
      const source = readFileSync(file, 'utf8');
      const rel = relative(agentSrc, file);
      if (file.startsWith(handlersDir + '/')) off.push(...misplacedHandlers(file, source).map((m) => `${rel}: ${m}`));
      else if (!rel.startsWith('ipc/')) off.push(...routedMethods(source).map((m) => `${rel} routes ${m} outside handlers/`));
    }
    expect(off).toEqual([]);
  });

  it('the checks catch a method in the wrong file', () => {
    expect(misplacedDeclarations('run.ts', "export const X = defineRequest('elevation.run', P, R);")).toEqual(['elevation.run']);
    expect(misplacedDeclarations('elevation.ts', "export const X = defineRequest('elevation.run', P, R);")).toEqual([]);
    expect(misplacedHandlers('elevation.ts', 'route(PromptRespond, (p, c) => 1)')).toEqual(['prompt.respond']);
    expect(misplacedHandlers('agent.ts', 'route(\n  AuditQuery,\n  f)')).toEqual(['audit.query']);
    expect(misplacedHandlers('prompt.ts', 'route(PromptRespond, (p, c) => 1)')).toEqual([]);
  });
});
