import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTROL_WINDOWS } from '../../apps/agent-service/src/jobs/controlTasks.ts';
import { WINDOW_CATALOG } from '../../apps/desktop/src/main/windows/catalog.ts';
import { PROMPT_SERVICES } from '../../shared/bridge/src/common/services/prompts.ts';
import { WINDOW_SERVICES } from '../../shared/bridge/src/common/windows.ts';
import { RESOURCES, SUPPORTED_LANGUAGES } from '../../shared/i18n/src/resources.ts';
import { CONTROL_APPLICATIONS, PROMPT_WINDOWS, WINDOW_IDS, WINDOW_REGISTRY, type WindowEntry } from '../../shared/protocol/src/common/windows.ts';

/**
 * The window registry (shared/protocol/src/common/windows.ts) is the one list of windows: every
 * entry has its own folder (page, entry point using its namespace) and its namespace in every
 * locale, every window folder is registered, and the tables derived from it agree with it.
 */
const projectDir = resolve(import.meta.dirname, '../..');

/** What is missing for each registered window, as readable lines (empty when the tree is complete). */
function registryProblems(registry: Readonly<Record<string, WindowEntry>>, root: string): string[] {
  const problems: string[] = [];
  for (const [id, entry] of Object.entries(registry)) {
    const renderer = join(root, 'apps', id, 'src/renderer');
    for (const file of ['index.html', 'main.tsx']) {
      if (!existsSync(join(renderer, file))) problems.push(`${id}: no apps/${id}/src/renderer/${file}`);
    }
    const main = join(renderer, 'main.tsx');
    if (existsSync(main) && !readFileSync(main, 'utf8').includes(`'${entry.namespace}'`)) {
      problems.push(`${id}: apps/${id}/src/renderer/main.tsx does not start with the namespace '${entry.namespace}'`);
    }
    for (const language of SUPPORTED_LANGUAGES) {
      if (!existsSync(join(root, 'shared/i18n/src/locales', language, `${entry.namespace}.json`))) {
        problems.push(`${id}: no ${language} locale file for the namespace ${entry.namespace}`);
      }
      if (!Object.hasOwn(RESOURCES[language], entry.namespace)) problems.push(`${id}: the namespace ${entry.namespace} is not in RESOURCES.${language}`);
    }
  }
  return problems;
}

describe('window registry', () => {
  it('every registered window has its folder, page, entry point and namespace in all four locales', () => {
    expect(SUPPORTED_LANGUAGES).toHaveLength(4);
    expect(registryProblems(WINDOW_REGISTRY, projectDir)).toEqual([]);
  });

  it('a window added to the registry without its folder or locale files is reported', () => {
    const added: WindowEntry = { title: 'New', width: 400, height: 400, resizable: false, namespace: 'newWindow' };
    const problems = registryProblems({ ...WINDOW_REGISTRY, 'keeper-new-window': added }, projectDir);
    expect(problems).toEqual([
      'keeper-new-window: no apps/keeper-new-window/src/renderer/index.html',
      'keeper-new-window: no apps/keeper-new-window/src/renderer/main.tsx',
      ...SUPPORTED_LANGUAGES.flatMap((language) => [
        `keeper-new-window: no ${language} locale file for the namespace newWindow`,
        `keeper-new-window: the namespace newWindow is not in RESOURCES.${language}`,
      ]),
    ]);
  });

  it('a window reusing another window’s namespace is reported', () => {
    const problems = registryProblems({ 'keeper-mfa': { ...WINDOW_REGISTRY['keeper-mfa'], namespace: 'message' } }, projectDir);
    expect(problems).toEqual(["keeper-mfa: apps/keeper-mfa/src/renderer/main.tsx does not start with the namespace 'message'"]);
  });

  it('every window folder under apps/ is registered, and neither namespaces nor prompt kinds are shared', () => {
    const folders = readdirSync(join(projectDir, 'apps'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(join(projectDir, 'apps', entry.name, 'src/renderer')))
      .map((entry) => entry.name);
    expect(folders.sort()).toEqual([...WINDOW_IDS].sort());
    const namespaces = WINDOW_IDS.map((id) => WINDOW_REGISTRY[id].namespace);
    expect(new Set(namespaces).size).toBe(namespaces.length);
    expect(namespaces).not.toContain('common');
    const promptKinds = WINDOW_IDS.flatMap((id) => {
      const entry: WindowEntry = WINDOW_REGISTRY[id];
      return entry.prompt ? [entry.prompt] : [];
    });
    expect(new Set(promptKinds).size, 'one window per prompt kind').toBe(promptKinds.length);
  });

  it('the derived tables follow the registry', () => {
    expect(Object.keys(WINDOW_SERVICES)).toEqual(WINDOW_IDS);
    expect(Object.keys(WINDOW_CATALOG)).toEqual(WINDOW_IDS);
    for (const id of WINDOW_IDS) expect(WINDOW_CATALOG[id]).toMatchObject({ id, title: WINDOW_REGISTRY[id].title, width: WINDOW_REGISTRY[id].width });
    // Every prompt the bridge carries has exactly one window, and that window reaches its service.
    for (const [kind, service] of Object.entries(PROMPT_SERVICES)) {
      const id = PROMPT_WINDOWS[kind as keyof typeof PROMPT_SERVICES];
      expect(id, kind).toBeDefined();
      expect(WINDOW_SERVICES[id!] as readonly unknown[], kind).toContain(service);
    }
    expect(CONTROL_APPLICATIONS).toEqual({
      KeeperJustification: ['JUSTIFY'],
      KeeperMFA: ['MFA'],
      KeeperMessage: ['NOTIFY'],
      KeeperApproval: ['OPERATORAPPROVAL', 'APPROVAL'],
    });
    expect(CONTROL_WINDOWS).toEqual({ ...CONTROL_APPLICATIONS, toast: ['NOTIFY'] });
  });
});
