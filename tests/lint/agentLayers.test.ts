import { resolve } from 'node:path';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

/**
 * "Agent services never import cli/, and only the composition root and the feature modules import
 * handlers/" (eslint.config.js, keeper/agent-layers and keeper/agent-features; docs/architecture.md,
 * "Import rules"): probe files at real paths, linted with the project's own config.
 */
const projectDir = resolve(import.meta.dirname, '../..');
const eslint = new ESLint({
  cwd: projectDir,
  overrideConfig: tseslint.configs.disableTypeChecked as Linter.Config,
  ruleFilter: ({ ruleId }) => ruleId === 'no-restricted-imports',
});

async function findings(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: resolve(projectDir, filePath) });
  expect(result?.fatalErrorCount).toBe(0);
  return (result?.messages ?? []).map((m) => m.ruleId ?? 'parse error');
}

const OPTIONS = "import { defaultDataDir } from '../cli/options.ts';\n";

describe('agent layers', () => {
  it('ipc/, jobs/ and other services may not import cli/', async () => {
    for (const file of ['apps/agent-service/src/ipc/Probe.ts', 'apps/agent-service/src/jobs/Probe.ts', 'apps/agent-service/src/identity/Probe.ts']) {
      expect(await findings(file, OPTIONS), file).toEqual(['no-restricted-imports']);
    }
    expect(await findings('apps/agent-service/src/jobs/tools/Probe.ts', "import type { AgentOptions } from '../../cli/options.ts';\n")).toEqual([
      'no-restricted-imports',
    ]);
  });

  it('services may not import handlers/: only the composition root and the feature modules wire them', async () => {
    const HANDLERS = "import { jobHandlers } from '../handlers/jobs.ts';\n";
    expect(await findings('apps/agent-service/src/jobs/Probe.ts', HANDLERS)).toEqual(['no-restricted-imports']);
    expect(await findings('apps/agent-service/src/elevation/Probe.ts', HANDLERS)).toEqual(['no-restricted-imports']);
    expect(await findings('apps/agent-service/src/jobs/probeFeatureHelper.ts', HANDLERS)).toEqual(['no-restricted-imports']);
    expect(await findings('apps/agent-service/src/runtime/Probe.ts', HANDLERS)).toEqual([]);
    expect(await findings('apps/agent-service/src/jobs/probeFeature.ts', HANDLERS)).toEqual([]);
  });

  it('a feature module takes its settings handed in: it may not import cli/', async () => {
    expect(await findings('apps/agent-service/src/jobs/probeFeature.ts', OPTIONS)).toEqual(['no-restricted-imports']);
    expect(await findings('apps/agent-service/src/jobs/probeFeature.ts', "import type { AgentOptions } from '../cli/options.ts';\n")).toEqual([
      'no-restricted-imports',
    ]);
  });

  it('the composition root, subcommands and main may', async () => {
    expect(await findings('apps/agent-service/src/runtime/Probe.ts', OPTIONS)).toEqual([]);
    expect(await findings('apps/agent-service/src/audit/probeCommand.ts', OPTIONS)).toEqual([]);
    expect(await findings('apps/agent-service/src/main.ts', "import { HELP } from './cli/options.ts';\n")).toEqual([]);
  });
});
