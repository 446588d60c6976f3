import { WINDOW_IDS, WINDOW_REGISTRY, type WindowId } from '../../../../../shared/protocol/src/common/windows.ts';

export interface WindowDefinition {
  readonly id: WindowId;
  /** Window title before the page sets its own (the page's title is translated). */
  readonly title: string;
  readonly width: number;
  readonly height: number;
  readonly resizable: boolean;
}

/** Size and chrome of every window, from the registry (shared/protocol windows.ts). */
export const WINDOW_CATALOG: Readonly<Record<WindowId, WindowDefinition>> = Object.fromEntries(
  WINDOW_IDS.map((id) => {
    const { title, width, height, resizable } = WINDOW_REGISTRY[id];
    return [id, { id, title, width, height, resizable }];
  }),
) as Record<WindowId, WindowDefinition>;

export interface WindowLaunchOptions {
  readonly locale?: string;
  readonly theme?: 'light' | 'dark' | 'system';
}

/** Query string every host appends to a window's page: the preferences the page starts with. */
export function launchQuery(options: WindowLaunchOptions): string {
  const query = new URLSearchParams();
  if (options.locale) query.set('lng', options.locale);
  if (options.theme && options.theme !== 'system') query.set('theme', options.theme);
  const text = query.toString();
  return text ? `?${text}` : '';
}
