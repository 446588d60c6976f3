import * as z from 'zod';
import { defineNotification, defineRequest, NoParams, onFirstUse } from '../method.ts';

/** Plugin states as the Keeper agent reports them. */
export const PluginState = z.enum(['Healthy', 'Unhealthy', 'Starting', 'Stopping', 'Failed']);

export const PluginStatus = z.object({
  name: z.string(),
  state: PluginState,
  detail: z.string().optional(),
});

/** Keeper's log levels; the agent maps them onto pino's. */
export const LogLevel = z.enum(['Critical', 'Error', 'Warning', 'Information', 'Debug', 'Trace']);

export const PolicyLoadError = z.object({ file: z.string(), path: z.string(), message: z.string() });

export const PolicySummary = z.object({
  /** Enforced and monitored policies in effect (Status "off" excluded). */
  active: z.number().int().nonnegative(),
  collections: z.number().int().nonnegative(),
  files: z.number().int().nonnegative(),
  errors: z.array(PolicyLoadError),
  loadedAt: z.iso.datetime().nullable(),
});

/** The fleet server this agent works with (`keeper-agent --fleet URL`), and the policy set it last received. */
export const FleetLink = z.object({
  url: z.url(),
  machineId: z.string(),
  group: z.string(),
  /** Whether the fleet server answers now. */
  online: z.boolean(),
  /** The group's policy set version in effect, null before the first sync. */
  policyVersion: z.number().int().nonnegative().nullable(),
  lastSync: z.iso.datetime().nullable(),
});

/** The prompt settings in force (`justification`, `notify`, `operatorApproval`, `mfa` in --config, or their defaults). */
export const PromptSettingsInForce = z.object({
  justification: z.object({ minLength: z.number().int().positive(), maxLength: z.number().int().positive(), timeoutSeconds: z.number().positive() }),
  notifyTimeoutSeconds: z.number().positive(),
  operatorApproval: z.object({ timeoutSeconds: z.number().positive(), onTimeout: z.enum(['deny', 'allow']), whenUndeliverable: z.enum(['deny', 'allow']) }),
  mfa: z.object({
    promptTimeoutSeconds: z.number().positive(),
    sessionMinutes: z.number().int().positive(),
    codeAttemptsPerPrompt: z.number().int().positive(),
  }),
  /** The timeouts a policy-controls job task may still set, because the config leaves them unset. */
  timeoutsFromJobs: z.array(z.enum(['justification', 'acknowledge', 'operatorApproval', 'mfa'])),
});

export const AgentStatus = z.object({
  version: z.string(),
  agentId: z.string(),
  startedAt: z.iso.datetime(),
  uptimeSeconds: z.number().nonnegative(),
  /** Whether the backend (the embedded store by default) is reachable. */
  online: z.boolean(),
  backend: z.enum(['embedded', 'server']),
  logLevel: LogLevel,
  healthUrl: z.url().nullable(),
  plugins: z.array(PluginStatus),
  policies: PolicySummary,
  /** The job files' problems (file, JSON path, reason), present once the agent loaded its jobs folder. */
  jobs: z.object({ errors: z.array(PolicyLoadError) }).optional(),
  /** Present when the agent works with a fleet server. */
  fleet: FleetLink.optional(),
  /** The prompt settings in force; absent from agents older than this field. */
  prompts: PromptSettingsInForce.optional(),
});

/** `agent.status`: a snapshot of the agent's health. */
export const AgentStatusRequest = defineRequest('agent.status', NoParams, AgentStatus);

/** `agent.statusChanged`: pushed when a plugin changes state or the backend goes on/offline. */
export const AgentStatusChanged = defineNotification('agent.statusChanged', AgentStatus);

/** `agent.setLogLevel`: administrators change the agent's log level, live and audited. */
export const AgentSetLogLevel = defineRequest(
  'agent.setLogLevel',
  onFirstUse(() => z.object({ level: LogLevel })),
  onFirstUse(() => z.object({ level: LogLevel })),
);

export const AgentPermissions = onFirstUse(() =>
  z.object({
    /** The caller's roles from the agent config (administrator, approver, secondaryApprover). */
    roles: z.array(z.enum(['administrator', 'approver', 'secondaryApprover'])),
    canSetLogLevel: z.boolean(),
  }),
);

/** `agent.permissions`: what the caller may change on this agent, so a window can say why a control is read-only. */
export const AgentPermissionsRequest = defineRequest('agent.permissions', NoParams, AgentPermissions);

export type AgentStatus = z.infer<typeof AgentStatus>;
export type AgentPermissions = z.infer<typeof AgentPermissions>;
export type PluginStatus = z.infer<typeof PluginStatus>;
export type PluginState = z.infer<typeof PluginState>;
export type LogLevel = z.infer<typeof LogLevel>;
export type PolicySummary = z.infer<typeof PolicySummary>;
export type PolicyLoadError = z.infer<typeof PolicyLoadError>;
export type FleetLink = z.infer<typeof FleetLink>;
export type PromptSettingsInForce = z.infer<typeof PromptSettingsInForce>;

/** `agent.setOnline`: administrators switch the backend connection off and on (offline mode). */
export const AgentSetOnline = defineRequest(
  'agent.setOnline',
  onFirstUse(() => z.object({ online: z.boolean() })),
  onFirstUse(() => z.object({ online: z.boolean() })),
);
