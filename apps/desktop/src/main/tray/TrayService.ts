import { join } from 'node:path';
import type { MenuItemConstructorOptions, NativeImage } from 'electron';
import type { TrayIndicator, TrayLabel, TrayView } from '../../../../../shared/bridge/src/common/services/tray.ts';

/** The parts of Electron the tray uses, injected so tests hand in the fake. */
export interface TrayElectron {
  readonly Tray: new (image: NativeImage) => TrayHandle;
  readonly Menu: { buildFromTemplate(template: MenuItemConstructorOptions[]): unknown };
  readonly nativeImage: { createFromPath(path: string): NativeImage };
}

export interface TrayHandle {
  setImage(image: NativeImage): void;
  setToolTip(text: string): void;
  setContextMenu(menu: never): void;
  destroy(): void;
}

export interface TrayServiceOptions {
  readonly electron: TrayElectron;
  /** resources/icons/tray: `tray-<state>.png` (+ @2x), and `tray-<state>Template.png` for macOS. */
  readonly iconDir: string;
  readonly platform: NodeJS.Platform;
  readonly translate: (label: TrayLabel) => string;
  readonly onActivate: (itemId: string) => void;
}

/** The icon file for a state: macOS menu bars want monochrome template images, named …Template. */
export function trayIconPath(iconDir: string, indicator: TrayIndicator, platform: NodeJS.Platform): string {
  return join(iconDir, platform === 'darwin' ? `tray-${indicator}Template.png` : `tray-${indicator}.png`);
}

/**
 * The native tray, as one idempotent service (Signal's SystemTrayService): `render` brings the
 * Tray in line with a view and does nothing when nothing changed; the Tray is made on first use.
 * The menu comes from the platform-neutral `trayMenu`, as the web shell's page does.
 */
export class TrayService {
  private readonly options: TrayServiceOptions;
  private tray: TrayHandle | null = null;
  private shownIcon: string | null = null;
  private shownTooltip: string | null = null;
  private shownMenu: string | null = null;

  constructor(options: TrayServiceOptions) {
    this.options = options;
  }

  render(view: TrayView): void {
    const { electron, iconDir, platform, translate } = this.options;
    const iconPath = trayIconPath(iconDir, view.state.indicator, platform);
    const image = () => {
      const loaded = electron.nativeImage.createFromPath(iconPath);
      if (platform === 'darwin') loaded.setTemplateImage(true);
      return loaded;
    };
    if (!this.tray) {
      this.tray = new electron.Tray(image());
      this.shownIcon = iconPath;
    } else if (this.shownIcon !== iconPath) {
      this.tray.setImage(image());
      this.shownIcon = iconPath;
    }
    const header = view.menu.find((item) => item.kind === 'header');
    const tooltip = header && header.kind === 'header' ? translate(header.label) : '';
    if (tooltip !== this.shownTooltip) {
      this.tray.setToolTip(tooltip);
      this.shownTooltip = tooltip;
    }
    const template = view.menu.map((item): MenuItemConstructorOptions => {
      switch (item.kind) {
        case 'separator':
          return { type: 'separator', id: item.id };
        case 'header':
          return { id: item.id, label: translate(item.label), enabled: false };
        case 'action':
          return { id: item.id, label: translate(item.label), enabled: item.enabled, click: () => this.options.onActivate(item.id) };
      }
    });
    // Click handlers are new closures each time; what the user sees decides whether to rebuild.
    const menuKey = JSON.stringify(template.map((item) => [item.id, item.label, item.enabled, item.type]));
    if (menuKey !== this.shownMenu) {
      this.tray.setContextMenu(electron.Menu.buildFromTemplate(template) as never);
      this.shownMenu = menuKey;
    }
  }

  destroy(): void {
    this.tray?.destroy();
    this.tray = null;
    this.shownIcon = this.shownTooltip = this.shownMenu = null;
  }
}
