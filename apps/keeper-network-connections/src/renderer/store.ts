import { create } from 'zustand';
import type { NetworkActionResult, NetworkSnapshot } from '../../../../shared/bridge/src/common/services/networkConnections.ts';

export interface NetworkApi {
  snapshot(): Promise<NetworkSnapshot>;
  setInterfaceState(name: string, state: 'up' | 'down'): Promise<NetworkActionResult>;
  forgetNetwork(uuid: string): Promise<NetworkActionResult>;
}

export interface NetworkWindowState {
  bridge: 'connecting' | 'ready' | 'lost' | 'failed';
  bridgeError: string | null;
  api: NetworkApi | null;
  snapshot: NetworkSnapshot | null;
  /** The change being made now, by what it is about (interface name or connection name). */
  busy: string | null;
  last: { subject: string; action: 'up' | 'down' | 'forget'; result: NetworkActionResult } | null;
}

export const useNetworkWindow = create<NetworkWindowState>()(() => ({ bridge: 'connecting', bridgeError: null, api: null, snapshot: null, busy: null, last: null }));

export const networkActions = {
  bridgeReady: (api: NetworkApi) => useNetworkWindow.setState({ bridge: 'ready', bridgeError: null, api }),
  bridgeLost: () => useNetworkWindow.setState({ bridge: 'lost' }),
  bridgeFailed: (reason: string) => useNetworkWindow.setState({ bridge: 'failed', bridgeError: reason }),
  async refresh() {
    const api = useNetworkWindow.getState().api;
    if (api) useNetworkWindow.setState({ snapshot: await api.snapshot() });
  },
  async change(subject: string, action: 'up' | 'down' | 'forget', run: (api: NetworkApi) => Promise<NetworkActionResult>) {
    const api = useNetworkWindow.getState().api;
    if (!api || useNetworkWindow.getState().busy) return;
    useNetworkWindow.setState({ busy: subject, last: null });
    try {
      useNetworkWindow.setState({ last: { subject, action, result: await run(api) } });
      await networkActions.refresh();
    } finally {
      useNetworkWindow.setState({ busy: null });
    }
  },
};
