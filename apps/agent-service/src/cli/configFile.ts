import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { LogLevel } from '../../../../shared/protocol/src/common/index.ts';
import { DesktopSessionMode } from '../identity/desktopSessions.ts';
import { UsageError } from './usageError.ts';

/** The config file accepts the same settings as the flags, in camelCase. */
const ConfigFile = z
  .object({
    socket: z.string().min(1),
    dataDir: z.string().min(1),
    policies: z.string().min(1),
    jobs: z.string().min(1),
    offline: z.boolean(),
    fleet: z.string().min(1),
    healthPort: z.number().int().min(0).max(65535),
    logLevel: LogLevel,
    /** Approver roles and approval timeouts (config file only). */
    approvals: z.unknown(),
    /** Elevated-session grants (config file only). */
    grants: z.unknown(),
    /** MFA prompts and sessions, e.g. {"codeAttemptsPerPrompt": 3, "sessionMinutes": 5} (config file only). */
    mfa: z.unknown(),
    /** The justification prompt's length bounds and timeout (config file only). */
    justification: z.unknown(),
    /** The acknowledge timeout of NOTIFY (config file only). */
    notify: z.unknown(),
    /** End User Approval's fail-modes and timeout (config file only). */
    operatorApproval: z.unknown(),
    /** Plugin settings, e.g. {"KeeperJobs": {"AuditCleanup": false}} (config file only; SkipWhenPluginSettingFalse reads them). */
    plugins: z.unknown(),
    /** SIEM sinks for the audit log (config file only). */
    audit: z.unknown(),
    /** Socket limits (config file only). */
    limits: z.unknown(),
    /** AI-agent detection, e.g. {"signatures": [{"agent": "…", "names": ["…"], "aiLikelihoodPercent": 90}]} (config file only). */
    agentic: z.unknown(),
    desktopSessions: DesktopSessionMode,
    logindDir: z.string().min(1),
  })
  .partial()
  .strict();

/** `--config FILE`: its settings, checked against the schema; an unreadable or invalid file is a usage error. */
export function readConfigFile(path: string): z.infer<typeof ConfigFile> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read config file ${path}: ${(error as Error).message}`);
  }
  const parsed = ConfigFile.safeParse(json);
  if (!parsed.success) throw new UsageError(`config file ${path} is invalid:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
