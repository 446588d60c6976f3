import { AgentStatusService } from './services/agentStatus.ts';
import { MfaEnrollmentService } from './services/mfaEnrollment.ts';
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
  'keeper-agent': [AgentStatusService],
  'keeper-justification': [JustificationPromptService, AgentStatusService],
  'keeper-mfa': [MfaPromptService, MfaEnrollmentService],
  'keeper-message': [MessagePromptService],
  'keeper-approval': [OperatorApprovalPromptService],
  'keeper-approval-pending': [ApprovalPendingPromptService],
} as const satisfies Record<string, readonly ServiceDescriptor[]>;

export type WindowId = keyof typeof WINDOW_SERVICES;
export const WINDOW_IDS = Object.keys(WINDOW_SERVICES) as WindowId[];

export function isWindowId(value: string): value is WindowId {
  return Object.hasOwn(WINDOW_SERVICES, value);
}
