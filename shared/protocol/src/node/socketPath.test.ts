import { describe, expect, it } from 'vitest';
import { defaultSocketPath, personalSocketPath, SYSTEM_SOCKET_PATH } from './socketPath.ts';

describe('defaultSocketPath', () => {
  const base = { platform: 'linux' as const, systemSocketExists: false, homedir: '/home/alice' };

  it('takes $KEEPER_AGENT_SOCKET, then the system socket, then the personal one', () => {
    expect(defaultSocketPath({ ...base, env: { KEEPER_AGENT_SOCKET: '/x/agent.sock' }, systemSocketExists: true })).toBe('/x/agent.sock');
    expect(defaultSocketPath({ ...base, env: {}, systemSocketExists: true })).toBe(SYSTEM_SOCKET_PATH);
    expect(defaultSocketPath({ ...base, env: { XDG_RUNTIME_DIR: '/run/user/1001' } })).toBe('/run/user/1001/keeper-agent.sock');
  });

  it("without XDG_RUNTIME_DIR uses a folder in the user's own home, never a shared tmp folder", () => {
    expect(defaultSocketPath({ ...base, env: {} })).toBe('/home/alice/.local/state/keeper/agent.sock');
    expect(personalSocketPath({ XDG_STATE_HOME: '/home/alice/state' }, '/home/alice')).toBe('/home/alice/state/keeper/agent.sock');
    expect(personalSocketPath({ TMPDIR: '/tmp' }, '/home/alice')).not.toMatch(/^\/tmp\//);
  });
});
