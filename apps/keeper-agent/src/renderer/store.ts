import { create } from 'zustand';
import type { AgentStatusView } from '../../../../shared/bridge/src/common/services/agentStatus.ts';

export interface AgentWindowState {
  /** Link between this page and the desktop app (not the agent). */
  bridge: 'connecting' | 'ready' | 'lost' | 'failed';
  bridgeError: string | null;
  view: AgentStatusView | null;
}

export const useAgentWindow = create<AgentWindowState>()(() => ({ bridge: 'connecting', bridgeError: null, view: null }));

/** Module-level actions, so bridge plumbing never needs React. */
export const agentWindowActions = {
  bridgeReady: () => useAgentWindow.setState({ bridge: 'ready', bridgeError: null }),
  bridgeLost: () => useAgentWindow.setState({ bridge: 'lost' }),
  bridgeFailed: (reason: string) => useAgentWindow.setState({ bridge: 'failed', bridgeError: reason }),
  statusChanged: (view: AgentStatusView) => useAgentWindow.setState({ view }),
};
