import { exposeServices } from '../../../../shared/bridge/src/preload/exposeServices.ts';
import { WINDOW_SERVICES, type WindowId } from '../../../../shared/bridge/src/common/windows.ts';

/**
 * The preload of every window, built once per window (apps/desktop/scripts/buildPreloads.ts) with
 * the window's id compiled in, so each page gets exactly the services windows.ts gives it.
 */
declare const __KEEPER_WINDOW_ID__: WindowId;

exposeServices(WINDOW_SERVICES[__KEEPER_WINDOW_ID__]);
