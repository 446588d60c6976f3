import { describe, expect, it } from 'vitest';
import { Menu, nativeImage, Tray } from '../../../../../tests/support/fakeElectron.ts';
import type { TrayState, TrayView } from '../../../../../shared/bridge/src/common/services/tray.ts';
import { trayIndicator, trayMenu } from './trayMenu.ts';
import { TrayService, type TrayElectron } from './TrayService.ts';

const view = (change: Partial<Omit<TrayState, 'indicator'>> = {}): TrayView => {
  const base: Omit<TrayState, 'indicator'> = {
    connection: 'connected',
    health: { ok: true, checkedAt: null, problem: null },
    promptsWaiting: 0,
    approvalsPending: 0,
    agentProblems: 0,
    pending: [],
    running: 0,
    suiteVersion: '1.0.0',
    agentVersion: '1.0.0',
    ...change,
  };
  const state = { ...base, indicator: trayIndicator(base) };
  return { state, menu: trayMenu(state, { approverWindow: false }) };
};

function makeTray(platform: NodeJS.Platform) {
  const activated: string[] = [];
  const service = new TrayService({
    electron: { Tray, Menu, nativeImage } as unknown as TrayElectron,
    iconDir: '/icons',
    platform,
    translate: (label) => `${label.key}${label.values ? JSON.stringify(label.values) : ''}`,
    onActivate: (id) => activated.push(id),
  });
  return { service, activated, tray: () => Tray.all.at(-1)! };
}

describe('TrayService (the Electron Tray seam)', () => {
  it('makes the tray once, with the icon, tooltip and menu of the state, and runs items on click', () => {
    const { service, activated, tray } = makeTray('linux');
    const before = Tray.all.length;
    service.render(view());
    expect(Tray.all.length).toBe(before + 1);
    expect(tray().image.path).toBe('/icons/tray-connected.png');
    expect(tray().tooltip).toBe('menu.header.connected{"prompts":0,"pending":0,"problems":0}');
    const items = tray().contextMenu!.items;
    expect(items.map((item) => item.id)).toEqual([
      'header',
      'separator-top',
      'quick-elevate',
      'pending-requests',
      'open-network-settings',
      'open-agent',
      'separator-bottom',
      'about',
      'quit',
    ]);
    expect(items[0]).toMatchObject({ enabled: false });
    items.find((item) => item.id === 'quick-elevate')!.click!();
    expect(activated).toEqual(['quick-elevate']);
  });

  it('is idempotent: the same view changes nothing, a new state changes only what differs', () => {
    const { service, tray } = makeTray('linux');
    service.render(view());
    const made = tray();
    made.calls.length = 0;
    service.render(view());
    expect(made.calls).toEqual([]);
    service.render(view({ connection: 'disconnected' }));
    expect(Tray.all.at(-1)).toBe(made);
    expect(made.calls).toEqual(['setImage', 'setToolTip', 'setContextMenu']);
    expect(made.image.path).toBe('/icons/tray-offline.png');
    expect(made.tooltip).toContain('menu.header.offline');
    expect(made.contextMenu!.items.find((item) => item.id === 'quick-elevate')).toMatchObject({ enabled: false });
  });

  it('uses template images on macOS, one per state', () => {
    const { service, tray } = makeTray('darwin');
    service.render(view({ promptsWaiting: 1 }));
    const image = tray().image;
    expect(image.path).toBe('/icons/tray-attentionTemplate.png');
    expect(image.isTemplateImage()).toBe(true);
  });

  it('destroys the tray, and makes a new one when rendered again', () => {
    const { service, tray } = makeTray('linux');
    service.render(view());
    const first = tray();
    service.destroy();
    expect(first.destroyed).toBe(true);
    service.render(view());
    expect(tray()).not.toBe(first);
  });
});
