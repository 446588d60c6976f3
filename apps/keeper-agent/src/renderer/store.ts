import { create } from 'zustand';
import type { AgentStatusView } from '../../../../shared/bridge/src/common/services/agentStatus.ts';
import type { AgentDetails, AgentDetailsProblem, ExplainOutcome } from '../../../../shared/bridge/src/common/services/agentDetails.ts';
import { BRIDGE_CONNECTING, createBridgeActions, type BridgeSlice } from '../../../../shared/ui/src/bridgeSlice.ts';
import type { CommandLineProblem } from './commandLine.ts';

/** The "why" form's last answer: the agent's explanation, or why there is none. */
export type WhyState =
  | { phase: 'idle' }
  | { phase: 'asking' }
  | { phase: 'explained'; explanation: Extract<ExplainOutcome, { ok: true }>['value'] }
  | { phase: 'failed'; problem: AgentDetailsProblem | CommandLineProblem };

export interface AgentWindowState extends BridgeSlice {
  view: AgentStatusView | null;
  /** This user's own state at the agent; null until loaded. */
  details: AgentDetails | null;
  detailsProblem: AgentDetailsProblem | null;
  /** The outcome of the last change the user asked for (log level, revoking a session). */
  change: { kind: 'logLevel' | 'revoke'; problem: AgentDetailsProblem | null } | null;
  why: WhyState;
}

export const useAgentWindow = create<AgentWindowState>()(() => ({
  ...BRIDGE_CONNECTING,
  view: null,
  details: null,
  detailsProblem: null,
  change: null,
  why: { phase: 'idle' },
}));

/** Module-level actions, so bridge plumbing never needs React. */
export const agentWindowActions = {
  ...createBridgeActions(useAgentWindow.setState),
  statusChanged: (view: AgentStatusView) => useAgentWindow.setState({ view }),
  detailsLoaded: (details: AgentDetails) => useAgentWindow.setState({ details, detailsProblem: null }),
  /** The agent said a request of this user was made or changed; details not loaded yet will bring it. */
  historyChanged: (history: AgentDetails['history']) => useAgentWindow.setState(({ details }) => (details ? { details: { ...details, history } } : {})),
  detailsFailed: (problem: AgentDetailsProblem) => useAgentWindow.setState({ detailsProblem: problem }),
  changed: (kind: 'logLevel' | 'revoke', problem: AgentDetailsProblem | null) => useAgentWindow.setState({ change: { kind, problem } }),
  why: (why: WhyState) => useAgentWindow.setState({ why }),
};
