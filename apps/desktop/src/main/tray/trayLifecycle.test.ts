import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeApp, Menu, nativeImage, Tray } from '../../../../../tests/support/fakeElectron.ts';
import { createDesktopApp } from '../desktopApp.ts';
import { runInTray } from './trayLifecycle.ts';
import { TrayService, type TrayElectron } from './TrayService.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'kpt-lifecycle-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** The suite as electronMain wires it: the desktop, its native tray, and the app's lifecycle. */
function startSuite() {
  const app = new FakeApp();
  let stopped = 0;
  let reopened = 0;
  const desktop = createDesktopApp({
    socketPath: '/nonexistent/agent.sock',
    version: '1.0.0',
    userDataDir: dataDir,
    locale: 'en-US',
    onQuit: () => app.quit(),
  });
  const tray = new TrayService({
    electron: { Tray, Menu, nativeImage } as unknown as TrayElectron,
    iconDir: '/icons',
    platform: 'linux',
    translate: desktop.tray.translate,
    onActivate: (id) => void desktop.tray.activate(id),
  });
  runInTray({
    app,
    tray,
    view$: desktop.tray.view$,
    reopen: () => reopened++,
    stop: () => {
      stopped++;
      return desktop.stop();
    },
  });
  const nativeTray = Tray.all.at(-1)!;
  return { app, nativeTray, stopped: () => stopped, reopened: () => reopened };
}

describe('the suite lives in its tray (Electron lifecycle, through the fake Electron)', () => {
  it('keeps running when the last window closes, tray and all', () => {
    const { app, nativeTray, stopped } = startSuite();
    app.lastWindowClosed();
    expect(app.quitCalls).toBe(0);
    expect(nativeTray.destroyed).toBe(false);
    expect(stopped()).toBe(0);
  });

  it('shows the main window again when the dock icon is clicked with no window open (macOS)', () => {
    const { app, reopened } = startSuite();
    app.activate(true);
    expect(reopened()).toBe(0);
    app.activate(false);
    expect(reopened()).toBe(1);
  });

  it('quits from the tray menu’s "Quit Keeper": the tray goes away and the desktop stops', async () => {
    const { app, nativeTray, stopped } = startSuite();
    const items = nativeTray.contextMenu!.items;
    expect(items.at(-1)).toMatchObject({ id: 'quit', label: 'Quit Keeper', enabled: true });
    items.at(-1)!.click!();
    await new Promise((resolve) => setImmediate(resolve));
    expect(app.quitCalls).toBe(1);
    expect(nativeTray.destroyed).toBe(true);
    expect(stopped()).toBe(1);
  });
});
