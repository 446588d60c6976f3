import { AgentStatusService } from './services/agentStatus.ts';
import { AgentDetailsService } from './services/agentDetails.ts';
import { JobRunsService } from './services/jobRuns.ts';
import { ApproverQueueService } from './services/approverQueue.ts';
import { MfaEnrollmentService } from './services/mfaEnrollment.ts';
import { NetworkConnectionsService } from './services/networkConnections.ts';
import { QuickElevateService } from './services/quickElevate.ts';
import { TrayService } from './services/tray.ts';
import { WindowLaunchService, type LaunchParameterName } from './services/windowLaunch.ts';
import {
  ApprovalPendingPromptService,
  JustificationPromptService,
  MessagePromptService,
  MfaPromptService,
  OperatorApprovalPromptService,
} from './services/prompts.ts';
import type { ServiceDescriptor } from './serviceDescriptor.ts';
import type { WindowId } from '../../../protocol/src/common/windows.ts';

/** The window list itself lives in the protocol's registry, which the agent may read too. */
export { WINDOW_IDS, isWindowId, type WindowId } from '../../../protocol/src/common/windows.ts';

/** The only bridge services each window of the registry may reach. */
export const WINDOW_SERVICES = {
  'keeper-agent': [AgentStatusService, AgentDetailsService, JobRunsService],
  'keeper-justification': [JustificationPromptService, AgentStatusService],
  'keeper-mfa': [MfaPromptService, MfaEnrollmentService],
  'keeper-message': [MessagePromptService],
  'keeper-approval': [OperatorApprovalPromptService],
  'keeper-approval-pending': [ApprovalPendingPromptService],
  'keeper-approver': [ApproverQueueService],
  'keeper-client': [TrayService],
  'keeper-quick-elevate': [QuickElevateService],
  'keeper-network-connections': [NetworkConnectionsService, WindowLaunchService],
} as const satisfies Record<WindowId, readonly ServiceDescriptor[]>;

/** The parameters each window takes; a window not listed takes none. */
export const WINDOW_LAUNCH_PARAMETERS: Partial<Record<WindowId, readonly LaunchParameterName[]>> = {
  'keeper-network-connections': ['source'],
};
