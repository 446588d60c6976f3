import type { IpcMain, IpcMainEvent } from 'electron';
import { registerProxy } from 'electron-ipc-cat/server';
import { Observable } from 'rxjs';
import { toProxyDescriptor } from '../common/proxyDescriptor.ts';
import type { ServiceDescriptor } from '../common/serviceDescriptor.ts';
import type { ServiceDispatcher } from './serviceDispatcher.ts';

type IpcListener = (event: IpcMainEvent, ...args: unknown[]) => void;

/**
 * electron-ipc-cat trusts every sender and every property name. So each channel is registered with
 * a facade that routes through the dispatcher (declared members only, validated arguments), over an
 * ipcMain wrapper that drops messages from webContents not granted this service.
 */
export function registerElectronService(
  ipcMain: IpcMain,
  descriptor: ServiceDescriptor,
  dispatcher: ServiceDispatcher,
  isAllowedSender: (webContentsId: number) => boolean,
  onRefused: (channel: string, webContentsId: number) => void,
): () => void {
  const facade: Record<string, unknown> = {};
  for (const [name, member] of Object.entries(descriptor.members)) {
    if (member.kind === 'call') {
      facade[name] = (...args: unknown[]) => dispatcher.call(descriptor.channel, name, args);
    } else {
      const open = (args: unknown[]) =>
        new Observable<unknown>((subscriber) => dispatcher.subscribe(descriptor.channel, name, args, subscriber));
      facade[name] = member.args.def.items.length === 0 ? open([]) : (...args: unknown[]) => open(args);
    }
  }

  const transport = {
    on(channel: string, listener: IpcListener) {
      ipcMain.on(channel, (event: IpcMainEvent, ...args: unknown[]) => {
        if (isAllowedSender(event.sender.id)) listener(event, ...args);
        else onRefused(channel, event.sender.id);
      });
      return transport;
    },
    removeAllListeners(channel: string) {
      ipcMain.removeAllListeners(channel);
      return transport;
    },
  };
  return registerProxy(facade, toProxyDescriptor(descriptor), transport as unknown as IpcMain);
}
