import { describe, expect, it } from 'vitest';
import { runAsNodeEnv } from './runAsNodeEnv.ts';

describe('runAsNodeEnv', () => {
  const electron = { execPath: '/opt/Keeper Desktop/keeper-desktop-suite', versions: { node: '24.0.0', electron: '45.4.1' } };

  it('switches Electron to Node for a task that starts the agent’s own executable', () => {
    expect(runAsNodeEnv(electron.execPath, electron)).toEqual({ ELECTRON_RUN_AS_NODE: '1' });
  });

  it('adds nothing for other programs, or when the agent runs on a real Node', () => {
    expect(runAsNodeEnv('/bin/sh', electron)).toEqual({});
    expect(runAsNodeEnv('/opt/keeper/agent/node', { execPath: '/opt/keeper/agent/node', versions: { node: '24.0.0' } })).toEqual({});
    expect(runAsNodeEnv(process.execPath)).toEqual({});
  });
});
