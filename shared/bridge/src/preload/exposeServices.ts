import { contextBridge } from 'electron';
import { createProxy } from 'electron-ipc-cat/client';
import { Observable } from 'rxjs';
import { toProxyDescriptor } from '../common/proxyDescriptor.ts';
import type { ServiceDescriptor } from '../common/serviceDescriptor.ts';

/**
 * Exposes exactly the given services to the page as `window.service[channel]`; nothing else of
 * Electron (no ipcRenderer) crosses the context bridge.
 */
export function exposeServices(descriptors: readonly ServiceDescriptor[]): void {
  const service: Record<string, unknown> = {};
  for (const descriptor of descriptors) {
    service[descriptor.channel] = createProxy(toProxyDescriptor(descriptor), Observable);
  }
  contextBridge.exposeInMainWorld('service', service);
}
