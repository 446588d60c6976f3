import { isIPv6 } from 'node:net';
import { Cron } from 'croner';
import { parseCommandLine } from '../cli/options.ts';
import { HEALTH_HOST } from '../health/healthServer.ts';
import { calendarToCron, KeeperJob } from '../jobs/jobSchema.ts';
import { createLogger } from '../log/logger.ts';
import { CollectionsFile, PoliciesFile } from '../policy/policySchema.ts';

/** Documents in the shapes of the shipped ones (resources/policies, resources/jobs: send-toast's condition, audit-cleanup's schedule), inline: no file is read. */
const POLICY = {
  PolicyName: 'warm-up',
  PolicyType: 'PrivilegeElevation',
  PolicyId: 'pol-warm-up',
  Status: 'enforce',
  Operator: 'And',
  UserCheck: ['*'],
  MachineCheck: ['*'],
  ApplicationCheck: ['col-warm-up'],
  Actions: { OnSuccess: { Controls: ['DENY', 'AUDIT'] }, OnFailure: { Command: '' } },
  NotificationMessage: 'warm-up',
};
const COLLECTIONS = {
  Collections: [
    { CollectionId: 'col-warm-up-users', Name: 'warm-up', Type: 'User', Members: [{ Group: 'warm-up' }] },
    { CollectionId: 'col-warm-up', Name: 'warm-up', Type: 'Application', Members: [{ Path: '/usr/bin/true' }] },
  ],
};
const JOB = {
  id: 'warm-up',
  name: 'warm-up',
  description: 'warm-up',
  enabled: true,
  priority: 9,
  events: [{ eventType: 'Startup' }],
  schedule: { calendar: { time: '03:30' } },
  osFilter: ['windows', 'linux', 'macos'],
  condition: "Body != ''",
  alternateJobId: '',
  parameters: {},
  tasks: [
    {
      id: 'warm-up',
      name: 'warm-up',
      ExecutionType: 'Service',
      executablePath: '{NodePath}',
      arguments: '{AgentScript} job-tool version-info {AgentVersion}',
      timeoutSeconds: 30,
      continueOnFailure: false,
      MergeStdoutJsonIntoContext: true,
    },
  ],
};

/**
 * Run once while the startup snapshot is built (runtime/snapshotEntry.ts), never at a start: the functions a
 * start runs are compiled to bytecode at their first call, and a blob keeps what was compiled when it was
 * built. Testing the health server's host as Node's listen will, and parsing a command line like the unit's, a policy, a
 * collection and a job file compiles Node's IPv6 pattern and zod's parsing path
 * (shared by every schema the start parses) and those schemas' own checks; a job's schedule and a logger that writes
 * nowhere compile croner's and pino's start. Constant, absolute arguments and an empty
 * environment: nothing of the process, the user or the build machine is read, and nothing is kept.
 */
export function warmStartPaths(): void {
  const parsed = parseCommandLine(
    [
      '--socket',
      '/run/keeper-agent/agent.sock',
      '--data-dir',
      '/var/lib/keeper-agent',
      '--policies',
      '/opt/keeper/policies',
      '--jobs',
      '/opt/keeper/jobs',
      '--health-port',
      '0',
      '--logind-dir',
      '/run/systemd/sessions',
    ],
    { env: {}, isRoot: true, platform: 'linux' },
  );
  // Node's listen tests the health server's host against its IPv6 pattern (net.js, filterOnlyValidAddress), and
  // the first test compiles that large regular expression: ~10 ms of each start between listen and the first answer.
  isIPv6(HEALTH_HOST);
  // Each must succeed: a refusal would compile the error paths instead of the start's.
  const job = KeeperJob.safeParse(JOB);
  const results = [parsed.kind === 'run', PoliciesFile.safeParse(POLICY).success, CollectionsFile.safeParse(COLLECTIONS).success, job.success];
  if (!job.success || results.includes(false)) throw new Error(`startWarmup.ts: a warm-up document no longer parses (${results.join(', ')})`);
  // The jobs' schedules are armed before the agent serves (JobEngine.arm): croner's parse and next-run search, from a
  // constant instant (no clock is read). The shipped audit-cleanup job has this calendar.
  if (new Cron(calendarToCron(job.data.schedule!.calendar!)).nextRun(new Date(0)) === null) throw new Error('startWarmup.ts: the warm-up schedule never runs');
  // The agent's logger, with its redaction, writing nowhere: the line (and the time pino puts in it) is dropped.
  createLogger('Warning', { write: () => undefined }).warn({ code: 'warm-up' }, 'warm-up');
}
