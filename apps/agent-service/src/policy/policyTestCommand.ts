import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { resourcesDir } from '../runtime/agentBundle.ts';
import { CaseFileError, parseCaseFile, toEvaluationRequest, type PolicyCase } from './policyCases.ts';
import { PolicySet } from './evaluate.ts';
import { explain, type Explanation } from './explain.ts';
import { loadPolicyDirectory } from './policyLoader.ts';
import { runReplayCommand } from './replayCommand.ts';

export const POLICY_HELP = `Usage: keeper-agent policy test [--policies DIR] CASES...
       keeper-agent policy replay --since DURATION --policies DIR [--data-dir DIR] [--json]  (see policy replay --help)

test runs each case file (YAML or JSON: a list of { name, request, expect }, see docs/policy-semantics.md)
against the policy folder with the agent's own loader and engine, and prints the why of every failure.
No program named in a case is read: give sha256 for a hash-based rule to match.
Exit codes: 0 every case passed, 1 a case did not get what it expects, 2 usage, a bad case file or a bad policy file.

  --policies DIR   the policy folder to test (default: the agent's embedded policies)
`;

class UsageError extends Error {}

/** What a case got that it did not expect, one line each; empty when the case passed. */
export function mismatches(c: PolicyCase, got: Explanation['decision']): string[] {
  const out: string[] = [];
  const { expect } = c;
  if (got.outcome !== expect.outcome) out.push(`outcome: expected ${expect.outcome}, got ${got.outcome}`);
  if (expect.controls && expect.controls.join(',') !== got.controls.join(',')) {
    out.push(`controls: expected [${expect.controls.join(', ')}], got [${got.controls.join(', ')}]`);
  }
  if (expect.deciding && [...expect.deciding].sort().join(',') !== [...got.deciding].sort().join(',')) {
    out.push(`deciding: expected [${expect.deciding.join(', ')}], got [${got.deciding.join(', ')}]`);
  }
  return out;
}

/** Long allow-lists cut short: the failing check's name and the request's value already say why. */
function shortList(items: readonly string[], max = 4): string {
  const shown = items.slice(0, max).join(' | ');
  return items.length > max ? `${shown} | … (${items.length - max} more)` : shown;
}

/** The explain view as text: each policy of the request's type, whether it matched, and the checks that failed. */
export function formatWhy(why: Explanation): string {
  const lines = [`    decision: ${why.decision.outcome} (${why.decision.reason})`];
  if (why.policies.length === 0) lines.push('    no policy of this type is loaded');
  for (const p of why.policies) {
    lines.push(
      `    ${p.matched ? 'matched' : 'no match'}: ${p.policyId} "${p.policyName}" [${p.controls.join(', ')}]${p.status === 'enforce' ? '' : ` (${p.status})`}`,
    );
    for (const check of p.checks.filter((k) => !k.passed)) {
      const actual = check.actual ?? '(nothing)';
      const wanted =
        check.check === 'DenyArguments' ? `an argument matches a denied pattern (${shortList(check.required)})` : `needs ${shortList(check.required)}`;
      lines.push(`      ${check.check} failed: ${wanted}; request has ${actual}`);
    }
  }
  return lines.join('\n');
}

/** `keeper-agent policy test …` (see POLICY_HELP for the exit codes). */
export function runPolicyCommand(argv: readonly string[], now: Date = new Date()): number {
  if (argv[0] === 'replay') return runReplayCommand(argv.slice(1), now);
  let values;
  let files;
  try {
    let positionals;
    ({ values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: { policies: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    }));
    if (values.help) {
      process.stdout.write(POLICY_HELP);
      return 0;
    }
    if (positionals[0] !== 'test') throw new UsageError('say test');
    files = positionals.slice(1);
    if (files.length === 0) throw new UsageError('name at least one case file');
  } catch (error) {
    process.stderr.write(`keeper-agent policy: ${(error as Error).message}\n${POLICY_HELP}`);
    return 2;
  }
  const dir = values.policies ?? join(resourcesDir, 'policies');
  const load = loadPolicyDirectory(dir);
  if (load.errors.length > 0 || load.files === 0) {
    const problems =
      load.errors.length > 0 ? load.errors.map((e) => `${join(dir, e.file)}${e.path ? ` at ${e.path}` : ''}: ${e.message}`) : [`${dir}: no policy files`];
    process.stderr.write(`keeper-agent policy: the policy folder does not load:\n${problems.join('\n')}\n`);
    return 2;
  }
  const cases: { file: string; c: PolicyCase }[] = [];
  try {
    for (const file of files) {
      let text;
      try {
        text = readFileSync(file, 'utf8');
      } catch (error) {
        throw new CaseFileError([{ file, path: '', message: (error as Error).message }]);
      }
      cases.push(...parseCaseFile(file, text).map((c) => ({ file, c })));
    }
  } catch (error) {
    if (!(error instanceof CaseFileError)) throw error;
    process.stderr.write(`keeper-agent policy: bad case file:\n${error.message}\n`);
    return 2;
  }
  // The agent's own engine as it runs: no named-file hashing (nothing is read) and deny when nothing matches.
  const set = new PolicySet(load.policies, load.collections, process.platform);
  let failed = 0;
  for (const { file, c } of cases) {
    const why = explain(set, toEvaluationRequest(c, now), { defaultOutcome: 'deny' });
    const wrong = mismatches(c, why.decision);
    if (wrong.length === 0) {
      process.stdout.write(`ok    ${c.name}\n`);
      continue;
    }
    failed++;
    process.stdout.write(`FAIL  ${c.name} (${file})\n${wrong.map((w) => `    ${w}`).join('\n')}\n${formatWhy(why)}\n`);
  }
  process.stdout.write(`${cases.length - failed} passed, ${failed} failed (${load.policies.length} policies from ${dir})\n`);
  return failed === 0 ? 0 : 1;
}
