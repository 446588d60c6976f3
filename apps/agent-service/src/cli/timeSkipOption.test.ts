import { describe, expect, it } from 'vitest';
import { SYSTEM_SOCKET_PATH } from '../../../../shared/protocol/src/node/socketPath.ts';
import { HELP, parseCommandLine, type OptionEnvironment } from './options.ts';

const linuxRoot: OptionEnvironment = { env: {}, isRoot: true, platform: 'linux' };
const testPaths = ['--socket', '/tmp/kpt-x/run/agent.sock', '--data-dir', '/tmp/kpt-x/data'];

function options(argv: string[], environment = linuxRoot) {
  const command = parseCommandLine(argv, environment);
  if (command.kind !== 'run') throw new Error(`expected a run, got ${command.kind}`);
  return command.options;
}

describe('--time-skip', () => {
  it('is off unless the flag is given, and the usage text calls it a test aid', () => {
    expect(options(testPaths).timeSkip).toBe(false);
    expect(options([...testPaths, '--time-skip']).timeSkip).toBe(true);
    expect(HELP).toMatch(/--time-skip {10}a test aid/);
  });

  it("is refused for the system agent: its socket, or root's default data folder", () => {
    expect(() => options(['--data-dir', '/tmp/kpt-x/data', '--time-skip'])).toThrow(/test aid, refused for the system agent/);
    expect(() => options(['--socket', SYSTEM_SOCKET_PATH, '--data-dir', '/tmp/kpt-x/data', '--time-skip'])).toThrow(/refused for the system agent/);
    expect(() => options(['--socket', '/run/keeper-agent//./agent.sock', '--data-dir', '/tmp/kpt-x/data', '--time-skip'])).toThrow(
      /refused for the system agent/,
    );
    expect(() => options(['--socket', '/tmp/kpt-x/run/agent.sock', '--time-skip'])).toThrow(/refused for the system agent/);
    expect(() => options(['--socket', '/tmp/a.sock', '--data-dir', '/var/lib/keeper-agent/', '--time-skip'])).toThrow(/refused for the system agent/);
  });

  it('is refused on Windows, which has no SIGUSR2', () => {
    expect(() => options([...testPaths, '--time-skip'], { ...linuxRoot, platform: 'win32' })).toThrow(/SIGUSR2/);
  });
});
