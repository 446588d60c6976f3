import { exposeServices } from '../../../../shared/bridge/src/preload/exposeServices.ts';
import { WINDOW_SERVICES } from '../../../../shared/bridge/src/common/windows.ts';

exposeServices(WINDOW_SERVICES['keeper-client']);
