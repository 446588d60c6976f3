import * as z from 'zod';
import { LogLevel } from '../../../../shared/protocol/src/common/index.ts';
import { ApprovalSettings } from '../approvals/approvalSettings.ts';
import { AuditSettings } from '../audit/auditSettings.ts';
import { GrantSettings } from '../elevation/grantService.ts';
import { AgenticSettings } from '../identity/agentSignatures.ts';
import { DesktopSessionMode } from '../identity/desktopSessions.ts';
import { ConnectionLimits } from '../ipc/connectionLimits.ts';
import { PluginSettings } from '../jobs/pluginSettings.ts';
import { MfaSettings } from '../mfa/mfaSettings.ts';
import { JustificationSettings, NotifySettings, OperatorApprovalSettings } from '../prompts/promptSettings.ts';

/** What the agent runs with, after flags, the config file and defaults are merged. */
export const AgentOptions = z.object({
  socket: z.string().min(1),
  dataDir: z.string().min(1),
  dataDirExplicit: z.boolean(),
  policies: z.string().min(1),
  jobs: z.string().min(1),
  offline: z.boolean(),
  /** The fleet server this machine registered with (keeper-agent --fleet URL --register …), or null to work alone. */
  fleet: z.url({ protocol: /^https$/ }).nullable(),
  healthPort: z.number().int().min(0).max(65535),
  logLevel: LogLevel,
  approvals: ApprovalSettings,
  grants: GrantSettings,
  mfa: MfaSettings,
  justification: JustificationSettings,
  notify: NotifySettings,
  operatorApproval: OperatorApprovalSettings,
  plugins: PluginSettings,
  audit: AuditSettings,
  limits: ConnectionLimits,
  /** AI-agent detection: `signatures` replaces the shipped list (docs/agentic.md). */
  agentic: AgenticSettings,
  /** Which connections count as a person's desktop (see identity/desktopSessions.ts). */
  desktopSessions: DesktopSessionMode,
  logindDir: z.string().min(1),
  /** A test aid: the agent's clock can be skipped forward (time/timeSkipSignal.ts); a flag only, never from the config file. */
  timeSkip: z.boolean(),
});
export type AgentOptions = z.infer<typeof AgentOptions>;
