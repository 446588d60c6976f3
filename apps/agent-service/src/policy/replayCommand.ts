import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readDatabase } from '../audit/auditCommand.ts';
import { verifyChain, type VerifyResult } from '../audit/chainVerifier.ts';
import { loadAuditSigningKey } from '../audit/signingKey.ts';
import { defaultDataDir } from '../cli/options.ts';
import { PolicySet } from './evaluate.ts';
import { FileHashCache } from './fileHashCache.ts';
import { loadPolicyDirectory } from './policyLoader.ts';
import { replay, type DecidedEventRow, type ReplayReport, type Verdict } from './replay.ts';

export const REPLAY_HELP = `Usage: keeper-agent policy replay --since DURATION --policies DIR [--data-dir DIR] [--json]

replay decides every elevation request the audit recorded in the last DURATION again, with the agent's
own engine and the proposed policy folder DIR, and prints, grouped by what would now happen, the
requests that would be decided differently than they were then, with their users and programs
(docs/audit.md, "Replaying requests"). Requests recorded by an older agent lack some facts (groups,
arguments, ...) and are marked partial.
Exit codes: 0 nothing would change, 1 some request would be decided differently,
2 usage, a bad policy folder or an unreadable audit.

  --since DURATION  how far back: a whole number and a unit, m (minutes), h, d or w: 90m, 12h, 7d, 2w
  --policies DIR    the proposed policy folder
  --data-dir DIR    the agent's data dir (default: /var/lib/keeper-agent as root); run as the agent's user
  --json            the report as one JSON object
`;

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

class UsageError extends Error {}

/** `7d` → milliseconds; throws a usage error naming the value otherwise. */
export function parseDuration(text: string): number {
  const match = /^([1-9][0-9]{0,5})([mhdw])$/.exec(text);
  if (!match) throw new UsageError(`--since ${JSON.stringify(text)} is not a duration: give a whole number and m, h, d or w (e.g. 7d)`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

const verdictText = (v: Verdict) =>
  v.outcome === 'allow'
    ? 'allowed'
    : v.outcome === 'deny'
      ? 'denied'
      : v.controls === null
        ? 'asked (which controls was not recorded)'
        : `asked for ${v.controls.join(', ')}`;

/** The report as a person reads it: a headline, then each group of changes with its users and programs. */
export function formatReport(report: ReplayReport, context: { since: string; policies: string }): string {
  const lines = [
    `${report.replayed} request${report.replayed === 1 ? '' : 's'} since ${context.since} replayed against ${context.policies}: ` +
      `${report.changed} would change, ${report.unchanged} would not` +
      (report.partial > 0 ? ` (${report.partial} partial: recorded before the audit kept every fact, see PARTIAL below)` : ''),
  ];
  if (report.unreadable > 0) lines.push(`${report.unreadable} elevation.decided event(s) could not be read as a request and were skipped`);
  for (const group of report.groups) {
    const now =
      group.now.outcome === 'allow' ? 'newly allowed' : group.now.outcome === 'deny' ? 'newly denied' : `newly asked for ${group.now.controls.join(', ')}`;
    lines.push('', `${now}: ${group.requests} request${group.requests === 1 ? '' : 's'}`);
    for (const e of group.entries) {
      const partial = e.missing.length > 0 ? `  PARTIAL (not recorded: ${e.missing.join(', ')})` : '';
      lines.push(`  ${e.user}  ${e.program}  ${e.count}x  was ${verdictText(e.was)}${partial}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The `elevation.decided` events at or after `since` (ISO 8601 UTC, as the audit stores `at`). */
export function decidedSince(events: readonly (DecidedEventRow & { readonly type: string })[], since: string): DecidedEventRow[] {
  return events.filter((e) => e.type === 'elevation.decided' && e.at >= since);
}

/** `keeper-agent policy replay …` (see REPLAY_HELP for the exit codes). */
export function runReplayCommand(argv: readonly string[], now: Date = new Date()): number {
  let values;
  let sinceMs;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        since: { type: 'string' },
        policies: { type: 'string' },
        'data-dir': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
    if (values.help) {
      process.stdout.write(REPLAY_HELP);
      return 0;
    }
    if (values.since === undefined) throw new UsageError('give --since, e.g. --since 7d');
    if (values.policies === undefined) throw new UsageError('give --policies DIR, the proposed policy folder');
    sinceMs = parseDuration(values.since);
  } catch (error) {
    process.stderr.write(`keeper-agent policy replay: ${(error as Error).message}\n${REPLAY_HELP}`);
    return 2;
  }
  const dir = values.policies;
  const load = loadPolicyDirectory(dir);
  if (load.errors.length > 0 || load.files === 0) {
    const problems =
      load.errors.length > 0
        ? load.errors.map((e) => `${e.file === dir ? dir : join(dir, e.file)}${e.path ? ` at ${e.path}` : ''}: ${e.message}`)
        : [`${dir}: no policy files`];
    process.stderr.write(`keeper-agent policy replay: the proposed policy folder does not load:\n${problems.join('\n')}\n`);
    return 2;
  }
  const dataDir = values['data-dir'] ?? defaultDataDir({ env: process.env, isRoot: process.getuid?.() === 0 });
  let log;
  let chain: VerifyResult;
  try {
    log = readDatabase(dataDir);
    chain = verifyChain(log.events, log.checkpoints, loadAuditSigningKey(dataDir, false)?.publicKey ?? null);
  } catch (error) {
    process.stderr.write(`keeper-agent policy replay: cannot read the audit in ${dataDir}: ${(error as Error).message}\n`);
    return 2;
  }
  // A replay of a log someone changed would be a report about their edits: say so loudly, still report.
  if (!chain.ok)
    process.stderr.write(
      `keeper-agent policy replay: WARNING: the audit log is TAMPERED (first bad event seq ${chain.seq}, ${chain.kind}); run keeper-agent audit verify\n`,
    );
  const since = new Date(now.getTime() - sinceMs).toISOString();
  const events = decidedSince(log.events, since);
  // The agent's engine as it runs: copies of files that DENY policies name are matched by hash too.
  const set = new PolicySet(load.policies, load.collections, process.platform, { hashes: new FileHashCache() });
  const report = replay(events, set, { defaultOutcome: 'deny' });
  if (values.json) {
    const chainState = chain.ok ? { intact: true } : { intact: false, seq: chain.seq, kind: chain.kind };
    process.stdout.write(`${JSON.stringify({ since, policies: dir, dataDir, chain: chainState, ...report })}\n`);
  } else {
    process.stdout.write(formatReport(report, { since, policies: dir }));
  }
  return report.changed === 0 ? 0 : 1;
}
