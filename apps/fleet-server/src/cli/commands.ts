import { execFileSync } from 'node:child_process';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { GroupName, MachineId } from '../../../../shared/protocol/src/common/fleet.ts';
import { databaseUrlFromEnv, ensureDatabase } from '../db/database.ts';
import { migrate } from '../db/migrate.ts';
import { createPool, type Db } from '../db/pool.ts';
import { startFleetServer } from '../fleetServer.ts';
import { FleetError } from '../http/fleetError.ts';
import { createLogger } from '../log.ts';
import { loadOrCreateCa } from '../pki/ca.ts';
import { addApprover, listApprovers, removeApprover, type ApproverBinding } from '../services/approvers.ts';
import { queryAudit } from '../services/audit.ts';
import { verifyMachineAudit } from '../services/auditVerify.ts';
import { listMachines, revokeMachine } from '../services/machines.ts';
import { issueOfflineResponse } from '../services/offlineApprovals.ts';
import { currentPolicies, pushPolicies, validatePolicyFolder } from '../services/policies.ts';
import { createToken } from '../services/tokens.ts';
import { parseDuration } from './duration.ts';

export const HELP = `keeper-fleet: the Keeper fleet server (PostgreSQL) and its administration

Usage: keeper-fleet <command> [options]
The database comes from KEEPER_FLEET_DATABASE_URL (default postgres://postgres@/keeper_fleet?host=/var/run/postgresql);
it is created and migrated when missing. --data-dir holds the CA (ca.pem, ca.key 0600); default
/var/lib/keeper-fleet as root, else ~/.local/share/keeper-fleet.

  serve [--host H] [--port N] [--data-dir DIR] [--ca-cert FILE --ca-key FILE] [--hostname NAME]...
        [--cert-lifetime 1h] [--approval-ttl 30m] [--escalated-ttl 4h] [--usable 24h]
        [--audit-jsonl FILE] [--syslog HOST:PORT[/tcp]] [--instance NAME] [--log-level info]
        [--pool-size 20] [--filings-per-minute 120] [--audit-per-minute 600]
                                      run one instance (any number may share the database)
  migrate                             apply the schema migrations and exit
  token create --group NAME [--expires 24h]
                                      a one-time registration token (prints it once)
  machine list [--group NAME]         registered machines
  machine revoke MACHINE_ID           refuse the machine from now on
  approver add|remove (--group NAME [--secondary] | --admin) (--user NAME | --os-group NAME)
        [--relay-group NAME]        only machines of that group may relay this approver's decisions
  approver list
  policy push --group NAME DIR        validate DIR (policies, collections; jobs in DIR/jobs) and publish it
  policy show --group NAME            the group's current version
  audit query [--machine ID] [--user NAME] [--since ISO] [--until ISO] [--limit N]
  audit verify --machine NAME|ID [--public-key BASE64]
                                      prove the server's copy of a machine's audit log: its hash chain
                                      and signed checkpoints (key: pinned from its first checkpoint, or
                                      the one given); exit 0 intact, 1 tampered (first bad seq and kind)
  approve-offline --machine NAME|ID --challenge CODE [--as NAME]
                                      the response to an offline machine's challenge, for an approver of
                                      its group (default: the OS user running this); audited
  --help                              this text
`;

type Out = (line: string) => void;

/** Like the agent's: the system folder as root, else the user's data folder. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (process.getuid?.() === 0) return '/var/lib/keeper-fleet';
  return join(env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'keeper-fleet');
}

class UsageError extends Error {}

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new UsageError(`missing ${what}`);
  return value;
}

function duration(text: string | undefined, fallback: number, what: string): number {
  if (text === undefined) return fallback;
  const ms = parseDuration(text);
  if (ms === null) throw new UsageError(`${what}: "${text}" is not a duration such as 30m, 24h or 7d`);
  return ms;
}

function group(text: string | undefined): string {
  const parsed = GroupName.safeParse(need(text, '--group NAME'));
  if (!parsed.success) throw new UsageError(`--group: "${text}" is not a valid deployment group name (${parsed.error.issues[0]?.message ?? ''})`);
  return parsed.data;
}

async function withDb<T>(work: (db: Db) => Promise<T>): Promise<T> {
  const url = databaseUrlFromEnv();
  const log = createLogger('warn', 'cli');
  await ensureDatabase(url);
  await migrate(url, log);
  const db = createPool(url, log, 2);
  try {
    return await work(db);
  } finally {
    await db.end();
  }
}

/** Runs one command line; returns the exit code. Output goes to `out`, problems to `err`. */
export async function runCli(argv: readonly string[], out: Out, err: Out): Promise<number> {
  const [command, sub] = argv;
  try {
    if (!command || command === '--help' || command === 'help') {
      out(HELP);
      return 0;
    }
    if (command === 'serve') return await serve(argv.slice(1), out);
    if (command === 'migrate') {
      const url = databaseUrlFromEnv();
      await ensureDatabase(url);
      await migrate(url, createLogger('info', 'cli'));
      out('migrations applied');
      return 0;
    }
    if (command === 'approve-offline') return await approveOffline(argv.slice(1), out, err);
    const rest = argv.slice(2);
    const key = `${command} ${sub ?? ''}`;
    switch (key) {
      case 'token create': {
        const { values } = parseArgs({
          args: rest,
          options: {
            group: { type: 'string' },
            expires: { type: 'string' },
            'data-dir': { type: 'string' },
            'ca-cert': { type: 'string' },
            'ca-key': { type: 'string' },
          },
        });
        const name = group(values.group);
        const lifetime = duration(values.expires, 24 * 3_600_000, '--expires');
        const ca = await loadOrCreateCa(
          values['data-dir'] ?? defaultDataDir(),
          values['ca-cert'] && values['ca-key'] ? { certFile: values['ca-cert'], keyFile: values['ca-key'] } : undefined,
        );
        const { token, expiresAt } = await withDb((db) => createToken(db, name, lifetime, ca.fingerprint));
        out(token);
        err(`one-time token for group ${name}, expires ${expiresAt.toISOString()}`);
        return 0;
      }
      case 'machine list': {
        const { values } = parseArgs({ args: rest, options: { group: { type: 'string' } } });
        const machines = await withDb((db) => listMachines(db, values.group === undefined ? undefined : group(values.group)));
        for (const m of machines)
          out(`${m.machineId}  ${m.hostname}  group=${m.group}  lastSeen=${m.lastSeenAt ?? '-'}  ${m.revokedAt ? `REVOKED ${m.revokedAt}` : 'active'}`);
        return 0;
      }
      case 'machine revoke': {
        const id = MachineId.safeParse(rest[0]);
        if (!id.success) throw new UsageError('machine revoke needs a machine id (see machine list)');
        const done = await withDb((db) => revokeMachine(db, id.data));
        out(done ? `revoked ${id.data}` : `${id.data} is unknown or already revoked`);
        return done ? 0 : 1;
      }
      case 'approver add':
      case 'approver remove': {
        const { values } = parseArgs({
          args: rest,
          options: {
            group: { type: 'string' },
            admin: { type: 'boolean' },
            secondary: { type: 'boolean' },
            user: { type: 'string' },
            'os-group': { type: 'string' },
            'relay-group': { type: 'string' },
          },
        });
        if ((values.user === undefined) === (values['os-group'] === undefined)) throw new UsageError('give exactly one of --user NAME or --os-group NAME');
        const binding: ApproverBinding = {
          group: values.admin ? null : group(values.group),
          kind: values.user !== undefined ? 'user' : 'group',
          principal: values.user ?? values['os-group']!,
          role: values.admin ? 'administrator' : values.secondary ? 'secondaryApprover' : 'approver',
          relayGroup: values['relay-group'] === undefined ? null : group(values['relay-group']),
        };
        if (sub === 'add') await withDb((db) => addApprover(db, binding));
        else if (!(await withDb((db) => removeApprover(db, binding)))) throw new UsageError('no such approver binding');
        out(
          `${sub === 'add' ? 'added' : 'removed'} ${binding.role} ${binding.kind} ${binding.principal}${binding.group ? ` in ${binding.group}` : ''}${binding.relayGroup ? ` (relayed only by machines of ${binding.relayGroup})` : ''}`,
        );
        return 0;
      }
      case 'approver list': {
        for (const b of await withDb(listApprovers))
          out(`${b.group ?? '*'}  ${b.role}  ${b.kind}:${b.principal}${b.relayGroup ? `  via ${b.relayGroup}` : ''}`);
        return 0;
      }
      case 'policy push': {
        const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { group: { type: 'string' } } });
        const name = group(values.group);
        const dir = need(positionals[0], 'the policy folder');
        const checked = validatePolicyFolder(dir);
        if (!checked.ok) {
          for (const p of checked.problems) err(`${p.file}${p.path ? ` at ${p.path}` : ''}: ${p.message}`);
          err('nothing was pushed: fix the files above and push again');
          return 1;
        }
        const version = await withDb((db) => pushPolicies(db, name, checked.files));
        out(
          `group ${name}: policy version ${version} (${Object.keys(checked.files.policies).length} policy files, ${Object.keys(checked.files.jobs).length} job files)`,
        );
        return 0;
      }
      case 'policy show': {
        const { values } = parseArgs({ args: rest, options: { group: { type: 'string' } } });
        const bundle = await withDb((db) => currentPolicies(db, group(values.group)));
        out(
          JSON.stringify(
            {
              group: bundle.group,
              version: bundle.version,
              sha256: bundle.sha256,
              pushedAt: bundle.pushedAt,
              policies: Object.keys(bundle.policies),
              jobs: Object.keys(bundle.jobs),
            },
            null,
            2,
          ),
        );
        return 0;
      }
      case 'audit query': {
        const { values } = parseArgs({
          args: rest,
          options: { machine: { type: 'string' }, user: { type: 'string' }, since: { type: 'string' }, until: { type: 'string' }, limit: { type: 'string' } },
        });
        const when = (text: string | undefined, what: string) => {
          if (text === undefined) return undefined;
          const date = new Date(text);
          if (Number.isNaN(date.getTime())) throw new UsageError(`${what}: "${text}" is not a date`);
          return date;
        };
        if (values.machine !== undefined && !MachineId.safeParse(values.machine).success) throw new UsageError('--machine needs a machine id');
        const rows = await withDb((db) =>
          queryAudit(db, {
            machineId: values.machine,
            user: values.user,
            since: when(values.since, '--since'),
            until: when(values.until, '--until'),
            limit: values.limit ? Number(values.limit) : undefined,
          }),
        );
        for (const row of rows) out(JSON.stringify(row));
        return 0;
      }
      case 'audit verify': {
        const { values } = parseArgs({ args: rest, options: { machine: { type: 'string' }, 'public-key': { type: 'string' } } });
        const verdict = await withDb((db) => verifyMachineAudit(db, need(values.machine, '--machine NAME|ID'), values['public-key']));
        const key = verdict.key
          ? `key ${verdict.key.publicKey.slice(-16)} (${verdict.key.source === 'given' ? 'given' : `pinned ${verdict.key.pinnedAt ?? ''}`})`
          : 'no key (no checkpoint received yet)';
        out(`${verdict.hostname} (${verdict.machineId}), ${key}`);
        if (verdict.unchained > 0) out(`${verdict.unchained} event(s) without chain fields (sent by an older agent) are not covered`);
        const result = verdict.result;
        if (result.ok) {
          out(
            `intact: ${result.events} chained events, ${result.checkpoints} signed checkpoints${result.lastCheckpointSeq === null ? '' : `, the last at seq ${result.lastCheckpointSeq}`}`,
          );
          return 0;
        }
        out(`tampered: ${result.kind} at seq ${result.seq}: ${result.detail}`);
        return 1;
      }
      default:
        throw new UsageError(`unknown command "${argv.join(' ')}"`);
    }
  } catch (error) {
    if (error instanceof UsageError || error instanceof FleetError) {
      err(`keeper-fleet: ${error.message}`);
      if (error instanceof UsageError) err('run keeper-fleet --help for the commands');
      return 2;
    }
    if (error instanceof TypeError && (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      err(`keeper-fleet: ${error.message}`);
      return 2;
    }
    throw error;
  }
}

/** The approver is the OS user running the CLI (with their OS groups) unless `--as` names another. */
async function approveOffline(args: readonly string[], out: Out, err: Out): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: { machine: { type: 'string' }, challenge: { type: 'string' }, as: { type: 'string' } } });
  const name = values.as ?? userInfo().username;
  const actor = { name, groups: osGroupsOf(name) };
  const issued = await withDb((db) =>
    issueOfflineResponse(db, { actor, relay: null }, need(values.machine, '--machine NAME'), need(values.challenge, '--challenge CODE')),
  );
  out(issued.response);
  err(`response for ${issued.machine}, made for approver ${issued.approver}: the requester types both into the pending window`);
  return 0;
}

/** The OS groups of `name` (none when the account is unknown here, e.g. a directory user of another machine). */
function osGroupsOf(name: string): string[] {
  try {
    return execFileSync('id', ['-Gn', '--', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .trim()
      .split(/\s+/)
      .filter(Boolean);
  } catch {
    return [];
  }
}

async function serve(args: readonly string[], out: Out): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      'ca-cert': { type: 'string' },
      'ca-key': { type: 'string' },
      hostname: { type: 'string', multiple: true },
      'cert-lifetime': { type: 'string' },
      'approval-ttl': { type: 'string' },
      'escalated-ttl': { type: 'string' },
      usable: { type: 'string' },
      'sweep-interval': { type: 'string' },
      'audit-jsonl': { type: 'string' },
      syslog: { type: 'string' },
      instance: { type: 'string' },
      'log-level': { type: 'string' },
      'pool-size': { type: 'string' },
      'filings-per-minute': { type: 'string' },
      'audit-per-minute': { type: 'string' },
    },
  });
  const syslog = values.syslog === undefined ? undefined : /^(.+):(\d+)(?:\/(udp|tcp))?$/.exec(values.syslog);
  if (values.syslog !== undefined && !syslog) throw new UsageError('--syslog takes HOST:PORT or HOST:PORT/tcp');
  const url = databaseUrlFromEnv();
  await ensureDatabase(url);
  const server = await startFleetServer({
    databaseUrl: url,
    host: values.host,
    port: values.port === undefined ? undefined : Number(values.port),
    dataDir: values['data-dir'] ?? defaultDataDir(),
    caCertFile: values['ca-cert'],
    caKeyFile: values['ca-key'],
    hostnames: values.hostname,
    instance: values.instance,
    certLifetimeMs: duration(values['cert-lifetime'], 3_600_000, '--cert-lifetime'),
    approvalTtlMs: duration(values['approval-ttl'], 30 * 60_000, '--approval-ttl'),
    escalatedTtlMs: duration(values['escalated-ttl'], 4 * 3_600_000, '--escalated-ttl'),
    usableMs: duration(values.usable, 24 * 3_600_000, '--usable'),
    sweepIntervalMs: duration(values['sweep-interval'], 1_000, '--sweep-interval'),
    auditJsonl: values['audit-jsonl'],
    auditSyslog: syslog ? { host: syslog[1]!, port: Number(syslog[2]), protocol: (syslog[3] as 'udp' | 'tcp' | undefined) ?? 'udp' } : undefined,
    logLevel: values['log-level'] as 'info' | undefined,
    poolSize: values['pool-size'] === undefined ? undefined : Number(values['pool-size']),
    filingsPerMinute: values['filings-per-minute'] === undefined ? undefined : Number(values['filings-per-minute']),
    auditBatchesPerMinute: values['audit-per-minute'] === undefined ? undefined : Number(values['audit-per-minute']),
  });
  out(`keeper-fleet listening on ${server.url} (CA fingerprint ${server.ca.fingerprint})`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  await server.close();
  return 0;
}
