import type { IpcMain, IpcMainEvent } from 'electron';
import { registerProxy } from 'electron-ipc-cat/server';
import { Observable } from 'rxjs';
import { toProxyDescriptor } from '../common/proxyDescriptor.ts';
import type { ServiceDescriptor } from '../common/serviceDescriptor.ts';
import type { ServiceDispatcher } from './serviceDispatcher.ts';

type IpcListener = (event: IpcMainEvent, ...args: unknown[]) => void;

declare global {
  /**
   * electron-ipc-cat's server.d.ts types `registerProxy`'s result as the DOM lib's `VoidFunction`,
   * which a main-process build (no DOM lib) does not have; the same declaration as lib.dom.d.ts.
   */
  interface VoidFunction {
    (): void;
  }
}

/** electron-ipc-cat request types each kind of member may receive. */
const ALLOWED_REQUESTS = {
  call: ['apply'],
  value$: ['subscribe', 'unsubscribe'],
  function$: ['applySubscribe', 'unsubscribe'],
} as const;

/** Null when the raw IPC request names a declared member with a request type fit for it; else why not. */
function checkRequest(descriptor: ServiceDescriptor, request: unknown): string | null {
  if (typeof request !== 'object' || request === null) return 'malformed request';
  const { type, propKey } = request as { type?: unknown; propKey?: unknown };
  if (typeof propKey !== 'string' || !Object.hasOwn(descriptor.members, propKey)) {
    return `${descriptor.channel} has no member ${String(propKey)}`;
  }
  const member = descriptor.members[propKey]!;
  const kind = member.kind === 'call' ? 'call' : member.args.def.items.length === 0 ? 'value$' : 'function$';
  return (ALLOWED_REQUESTS[kind] as readonly unknown[]).includes(type) ? null : `${String(type)} is not allowed on ${descriptor.channel}.${propKey}`;
}

/**
 * electron-ipc-cat trusts every sender and every property name. So each channel is registered with
 * a facade that routes through the sending page's own dispatcher (declared members only, validated
 * arguments), over an ipcMain wrapper that drops messages from webContents not granted this service.
 * `dispatcherOf` gives each webContents its dispatcher: two pages of one window (a presented one and
 * a pre-warmed spare) reach the same services but not the same state.
 */
export function registerElectronService(
  ipcMain: IpcMain,
  descriptor: ServiceDescriptor,
  dispatcherOf: (webContentsId: number) => ServiceDispatcher | undefined,
  onRefused: (channel: string, webContentsId: number) => void,
): () => void {
  // electron-ipc-cat calls the facade synchronously inside the listener (apply and subscribe alike),
  // so the sender's dispatcher is set for exactly the duration of its own request.
  let current: ServiceDispatcher | undefined;
  const sender = () => {
    if (!current) throw new Error(`${descriptor.channel} was called outside a request`);
    return current;
  };
  // No prototype: electron-ipc-cat looks members up by name, and `constructor` must not be one.
  const facade: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [name, member] of Object.entries(descriptor.members)) {
    if (member.kind === 'call') {
      facade[name] = (...args: unknown[]) => sender().call(descriptor.channel, name, args);
    } else {
      const open = (args: unknown[]) => new Observable<unknown>((subscriber) => sender().subscribe(descriptor.channel, name, args, subscriber));
      facade[name] = member.args.def.items.length === 0 ? open([]) : (...args: unknown[]) => open(args);
    }
  }

  const transport = {
    on(channel: string, listener: IpcListener) {
      ipcMain.on(channel, (event: IpcMainEvent, ...args: unknown[]) => {
        const dispatcher = dispatcherOf(event.sender.id);
        if (!dispatcher?.channels.includes(descriptor.channel)) {
          onRefused(channel, event.sender.id);
          return;
        }
        const [request, correlationId] = args;
        const refusal = checkRequest(descriptor, request);
        if (refusal === null) {
          current = dispatcher;
          try {
            listener(event, ...args);
          } finally {
            current = undefined;
          }
          return;
        }
        onRefused(channel, event.sender.id);
        if (typeof correlationId === 'string') {
          event.sender.send(correlationId, { type: 'error', error: JSON.stringify({ name: 'BridgeError', message: refusal }) });
        }
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
