import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as z from 'zod';
import { personalSocketPath, SYSTEM_SOCKET_PATH, WINDOWS_PIPE_PATH } from '../../../../shared/protocol/src/node/socketPath.ts';
import { policyPaths } from '../fleet/policySync.ts';
import { DEFAULT_LOGIND_DIR } from '../identity/desktopSessions.ts';
import { resourcesDir } from '../runtime/agentBundle.ts';
import { AgentOptions } from './agentOptions.ts';
import { readConfigFile } from './configFile.ts';
import { UsageError } from './usageError.ts';

export const DEFAULT_HEALTH_PORT = 6889;

export const HELP = `Usage: keeper-agent [options]
       keeper-agent job-tool version-info|job-run-retention ARGS…   (the default jobs' tools)
       keeper-agent mfa issue --user NAME [--data-dir DIR]   (a one-time MFA enrollment code)
       keeper-agent audit verify|export …   (prove or export the tamper-evident audit log; audit --help)
       keeper-agent policy test [--policies DIR] CASES…   (check a policy folder against expected decisions; policy --help)
       keeper-agent policy replay --since 7d --policies DIR [--data-dir DIR] [--json]   (recorded requests against proposed policies)
       keeper-agent --fleet URL --register -|@FILE|TOKEN [--data-dir DIR] [--machine-name NAME]
                    (registers this machine with a fleet server once; - reads the token from stdin)

The Keeper endpoint agent: owns policy, decisions, approvals, MFA and audit, and serves the
desktop suite over a local socket.

Options:
  --socket PATH        Unix socket (named pipe on Windows) to listen on
                       (default: $KEEPER_AGENT_SOCKET, ${SYSTEM_SOCKET_PATH} as root,
                       else $XDG_RUNTIME_DIR/keeper-agent.sock, or without it
                       ~/.local/state/keeper/agent.sock)
  --data-dir DIR       where the agent keeps its database and keys; must exist when given
                       (default: /var/lib/keeper-agent as root, else ~/.local/share/keeper-agent)
  --policies DIR       folder of Keeper policy JSON files (default: the embedded policies)
  --jobs DIR           folder of Keeper job JSON files (default: the embedded jobs)
  --config FILE        JSON file with the same settings in camelCase; flags override it
  --offline            start with the backend unreachable (offline mode)
  --fleet URL          work with the fleet server this machine registered with (https://HOST:PORT):
                       policies and jobs come from it (kept in DATA_DIR/fleet/current, so
                       --policies/--jobs are refused with it), approvals go to its approvers
  --health-port N      loopback port for GET /health, 0 for any free port (default: ${DEFAULT_HEALTH_PORT})
  --log-level LEVEL    Critical, Error, Warning, Information, Debug or Trace (default: Warning)
  --desktop-sessions logind|local-login
                       which connections count as a person's desktop, offered prompts:
                       logind (default) = a process in its user's active, local, graphical
                       systemd-logind session; local-login = any person account (uid >= UID_MIN
                       or root, with a login shell), for machines without logind and personal agents
  --logind-dir DIR     systemd-logind's state folder (default: ${DEFAULT_LOGIND_DIR})
  --time-skip          a test aid: on SIGUSR2 the agent skips its clock forward to the total ms
                       written in DATA_DIR/time-skip, running the timers then due (approval
                       expiry, prompt timeouts); refused for the system agent's socket or folder
  -h, --help           show this help
  -v, --version        show the version
`;

export type ParsedCommand = { kind: 'help' } | { kind: 'version' } | { kind: 'run'; options: AgentOptions };

export interface OptionEnvironment {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly isRoot: boolean;
  readonly platform: NodeJS.Platform;
}

export function parseCommandLine(argv: readonly string[], environment: OptionEnvironment): ParsedCommand {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        socket: { type: 'string' },
        'data-dir': { type: 'string' },
        policies: { type: 'string' },
        jobs: { type: 'string' },
        config: { type: 'string' },
        offline: { type: 'boolean' },
        fleet: { type: 'string' },
        'health-port': { type: 'string' },
        'log-level': { type: 'string' },
        'desktop-sessions': { type: 'string' },
        'logind-dir': { type: 'string' },
        'time-skip': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };

  const file = values.config ? readConfigFile(values.config) : {};
  const healthPort = values['health-port'] === undefined ? undefined : Number(values['health-port']);
  const dataDir = resolve(values['data-dir'] ?? file.dataDir ?? defaultDataDir(environment));
  const fleet = values.fleet ?? file.fleet ?? null;
  const policies = values.policies ?? file.policies;
  const jobs = values.jobs ?? file.jobs;
  // With a fleet, the agent decides only from the set the fleet sent, kept in a folder the agent made itself.
  if (fleet !== null && (policies !== undefined || jobs !== undefined)) {
    throw new UsageError('--fleet takes the policies and jobs from the fleet server; leave out --policies and --jobs');
  }
  const timeSkip = values['time-skip'] ?? false;
  const socket = values.socket ?? file.socket ?? defaultAgentSocket(environment);
  if (timeSkip) refuseTimeSkipForSystemAgent(environment, socket, dataDir);
  const fleetFolders = policyPaths(dataDir);
  const merged = {
    socket,
    dataDir,
    dataDirExplicit: (values['data-dir'] ?? file.dataDir) !== undefined,
    policies: fleet !== null ? fleetFolders.policies : resolve(policies ?? join(resourcesDir, 'policies')),
    jobs: fleet !== null ? fleetFolders.jobs : resolve(jobs ?? join(resourcesDir, 'jobs')),
    offline: values.offline ?? file.offline ?? false,
    fleet,
    healthPort: healthPort ?? file.healthPort ?? DEFAULT_HEALTH_PORT,
    logLevel: values['log-level'] ?? file.logLevel ?? 'Warning',
    approvals: file.approvals ?? {},
    grants: file.grants ?? {},
    mfa: file.mfa ?? {},
    justification: file.justification ?? {},
    notify: file.notify ?? {},
    operatorApproval: file.operatorApproval ?? {},
    plugins: file.plugins ?? {},
    audit: file.audit ?? {},
    limits: file.limits ?? {},
    agentic: file.agentic ?? {},
    desktopSessions: values['desktop-sessions'] ?? file.desktopSessions ?? 'logind',
    logindDir: resolve(values['logind-dir'] ?? file.logindDir ?? DEFAULT_LOGIND_DIR),
    timeSkip,
  };
  const parsed = AgentOptions.safeParse(merged);
  if (!parsed.success) throw new UsageError(z.prettifyError(parsed.error));
  return { kind: 'run', options: parsed.data };
}

/** A skippable clock is for tests: never on the system agent's socket or data folder, nor where there is no SIGUSR2. */
function refuseTimeSkipForSystemAgent(environment: OptionEnvironment, socket: string, dataDir: string): void {
  if (environment.platform === 'win32') throw new UsageError('--time-skip needs SIGUSR2, which Windows does not have');
  // Compared in resolved form, so `/run/keeper-agent//agent.sock` or `…/./…` is the system socket too.
  if (resolve(socket) === SYSTEM_SOCKET_PATH || dataDir === resolve(defaultDataDir({ env: {}, isRoot: true }))) {
    throw new UsageError('--time-skip is a test aid, refused for the system agent: give it a test --socket and --data-dir');
  }
}

function defaultAgentSocket({ env, isRoot, platform }: OptionEnvironment): string {
  if (platform === 'win32') return env['KEEPER_AGENT_SOCKET'] ?? WINDOWS_PIPE_PATH;
  if (env['KEEPER_AGENT_SOCKET']) return env['KEEPER_AGENT_SOCKET'];
  if (isRoot) return SYSTEM_SOCKET_PATH;
  return personalSocketPath(env, homedir());
}

export function defaultDataDir({ env, isRoot }: Pick<OptionEnvironment, 'env' | 'isRoot'>): string {
  if (isRoot) return '/var/lib/keeper-agent';
  const dataHome = env['XDG_DATA_HOME'] ?? join(homedir(), '.local', 'share');
  return join(dataHome, 'keeper-agent');
}
