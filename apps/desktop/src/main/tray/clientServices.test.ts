import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BehaviorSubject, firstValueFrom } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import { BridgeError } from '../../../../../shared/bridge/src/common/serviceDescriptor.ts';
import { createDesktopApp } from '../desktopApp.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'kpt-client-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('KeeperClient services in the composition root', () => {
  const desktop = createDesktopApp({ socketPath: '/nonexistent/agent.sock', version: '1.2.3', userDataDir: dataDir });
  const presented = new BehaviorSubject(true);
  const call = (id: Parameters<typeof desktop.dispatcherFor>[0], channel: string, member: string, args: unknown[]) =>
    desktop.dispatcherFor(id, presented).call(channel, member, args);

  it('gives the tray, quick-elevate and network windows only their own service', () => {
    expect(desktop.dispatcherFor('keeper-client', presented).channels).toEqual(['keeper.tray']);
    expect(desktop.dispatcherFor('keeper-quick-elevate', presented).channels).toEqual(['keeper.quickElevate']);
    expect(desktop.dispatcherFor('keeper-network-connections', presented).channels).toEqual(['keeper.networkConnections', 'keeper.windowLaunch']);
  });

  it('refuses bad input before anything runs: interface names, connection ids, commands, menu items', async () => {
    const refused = async (promise: Promise<unknown>) => {
      const error = await promise.then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(BridgeError);
      return (error as BridgeError).code;
    };
    expect(await refused(call('keeper-network-connections', 'keeper.networkConnections', 'setInterfaceState', ['lo; reboot', 'up']))).toBe('invalid-arguments');
    expect(await refused(call('keeper-network-connections', 'keeper.networkConnections', 'setInterfaceState', ['lo', 'sideways']))).toBe('invalid-arguments');
    expect(await refused(call('keeper-network-connections', 'keeper.networkConnections', 'forgetNetwork', ['../../etc']))).toBe('invalid-arguments');
    expect(await refused(call('keeper-quick-elevate', 'keeper.quickElevate', 'submit', ['   ']))).toBe('invalid-arguments');
    expect(await refused(call('keeper-quick-elevate', 'keeper.quickElevate', 'submit', ['id\nreboot']))).toBe('invalid-arguments');
    expect(await refused(call('keeper-client', 'keeper.tray', 'activate', ['Open Everything!']))).toBe('invalid-arguments');
    expect(await refused(call('keeper-client', 'keeper.networkConnections', 'snapshot', []))).toBe('unknown-service');
  });

  it('answers what it can without the agent, and says what it cannot', async () => {
    expect(await call('keeper-network-connections', 'keeper.networkConnections', 'setInterfaceState', ['kpt-none0', 'up'])).toEqual({
      outcome: 'failed',
      requestId: null,
      problem: { code: 'no-interface', values: { name: 'kpt-none0' } },
    });
    expect(await call('keeper-quick-elevate', 'keeper.quickElevate', 'submit', ['id -u'])).toEqual({
      ok: false,
      problem: { code: 'agent-unavailable', values: {} },
    });
    expect(await call('keeper-quick-elevate', 'keeper.quickElevate', 'preview', ['no-such-program-kpt'])).toMatchObject({
      ok: false,
      problem: { code: 'command-not-found' },
    });
    expect(await call('keeper-client', 'keeper.tray', 'activate', ['about'])).toEqual({ opened: 'keeper-client' });
    expect(await call('keeper-client', 'keeper.tray', 'activate', ['open-network-settings'])).toEqual({ opened: 'keeper-network-connections' });
    expect(await call('keeper-client', 'keeper.tray', 'activate', ['unknown-item'])).toEqual({ opened: null });
  });

  it('shows the agent as gone in the tray while it is not connected', async () => {
    const view = await firstValueFrom(desktop.tray.view$);
    expect(view.state).toMatchObject({ indicator: 'offline', suiteVersion: '1.2.3', agentVersion: null });
    const header = view.menu.find((item) => item.kind === 'header');
    expect(header && header.kind === 'header' ? desktop.tray.translate(header.label) : null).toBe('Keeper agent not reachable');
  });
});
