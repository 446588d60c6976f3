import { create } from 'zustand';
import type { NetworkActionResult, NetworkSnapshot } from '../../../../shared/bridge/src/common/services/networkConnections.ts';
import type { LaunchParameters } from '../../../../shared/bridge/src/common/services/windowLaunch.ts';
import { BRIDGE_CONNECTING, createBridgeActions, type BridgeSlice } from '../../../../shared/ui/src/bridgeSlice.ts';

export interface NetworkApi {
  snapshot(): Promise<NetworkSnapshot>;
  setInterfaceState(name: string, state: 'up' | 'down'): Promise<NetworkActionResult>;
  forgetNetwork(uuid: string): Promise<NetworkActionResult>;
}

export interface NetworkWindowState extends BridgeSlice {
  api: NetworkApi | null;
  snapshot: NetworkSnapshot | null;
  /** The change being made now, by what it is about (interface name or connection name). */
  busy: string | null;
  last: { subject: string; action: 'up' | 'down' | 'forget'; result: NetworkActionResult } | null;
  /** What the window was opened with: the program a redirect replaced, if any. */
  launch: LaunchParameters;
}

export const useNetworkWindow = create<NetworkWindowState>()(() => ({ ...BRIDGE_CONNECTING, api: null, snapshot: null, busy: null, last: null, launch: {} }));

export const networkActions = {
  ...createBridgeActions(useNetworkWindow.setState),
  connected: (api: NetworkApi) => useNetworkWindow.setState({ api }),
  launched: (launch: LaunchParameters) => useNetworkWindow.setState({ launch }),
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
