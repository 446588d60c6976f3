import { AgentStatusService } from './services/agentStatus.ts';
import { AgentDetailsService } from './services/agentDetails.ts';
import { JobRunsService } from './services/jobRuns.ts';
import { ApproverQueueService } from './services/approverQueue.ts';
import { MfaEnrollmentService } from './services/mfaEnrollment.ts';
import { NetworkConnectionsService } from './services/networkConnections.ts';
import { QuickElevateService } from './services/quickElevate.ts';
import { TrayService } from './services/tray.ts';
import { WindowLaunchService } from './services/windowLaunch.ts';
import {
  ApprovalPendingPromptService,
  JustificationPromptService,
  MessagePromptService,
  MfaPromptService,
  OperatorApprovalPromptService,
} from './services/prompts.ts';
import type { ServiceDescriptor } from './serviceDescriptor.ts';

/** Every window of the suite and the only bridge services each may reach. */
export const WINDOW_SERVICES = {
  'keeper-agent': [AgentStatusService, AgentDetailsService, JobRunsService],
  'keeper-justification': [JustificationPromptService, AgentStatusService],
  'keeper-mfa': [MfaPromptService, MfaEnrollmentService],
  'keeper-message': [MessagePromptService],
  'keeper-approval': [OperatorApprovalPromptService],
  'keeper-approval-pending': [ApprovalPendingPromptService],
  'keeper-approver': [ApproverQueueService],
  /** The tray's menu as a window (the web shell has no OS tray; Electron shows it for About). */
  'keeper-client': [TrayService],
  'keeper-quick-elevate': [QuickElevateService],
  'keeper-network-connections': [NetworkConnectionsService, WindowLaunchService],
} as const satisfies Record<string, readonly ServiceDescriptor[]>;

export type WindowId = keyof typeof WINDOW_SERVICES;
export const WINDOW_IDS = Object.keys(WINDOW_SERVICES) as WindowId[];

export function isWindowId(value: string): value is WindowId {
  return Object.hasOwn(WINDOW_SERVICES, value);
}
