import * as z from 'zod';
import { parse as parseYaml } from 'yaml';
import { zodProblems, type FileProblem } from '../config/jsonFolder.ts';
import { Control, PolicyType } from './policySchema.ts';
import type { EvaluationRequest } from './request.ts';

/** One request as a policy author writes it; everything the agent would gather is given, never read from disk. */
const CaseRequest = z.strictObject({
  user: z.string().min(1),
  uid: z.number().int().nonnegative().optional(),
  groups: z.array(z.string()).default([]),
  /** The home folder `{userprofile}` and `{home}` expand to; without it they match nothing (fail closed). */
  home: z.string().min(1).optional(),
  path: z.string().min(1),
  /** Without it a hash-based rule does not match, as for a file the agent could not read. */
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/i)
    .optional(),
  /** The signer the agent would find (on Linux: the package that owns the file, docs/policy-semantics.md 3.2). */
  signer: z.string().min(1).optional(),
  arguments: z.array(z.string()).optional(),
  commandLine: z.string().optional(),
  policyType: PolicyType.default('PrivilegeElevation'),
  machine: z.string().default('localhost'),
  /** Without an offset it is the machine's local time, which schedule checks use (4.3). */
  at: z.iso.datetime({ offset: true, local: true }).optional(),
  agentic: z.strictObject({ parentProcess: z.string(), aiLikelihoodPercent: z.number().min(0).max(100) }).optional(),
});

const CaseExpect = z.strictObject({
  outcome: z.enum(['allow', 'deny', 'controls']),
  /** The prompts in presentation order, compared exactly when given. */
  controls: z.array(Control).optional(),
  /** The deciding policy ids, compared as a set when given. */
  deciding: z.array(z.string()).optional(),
});

export const PolicyCase = z.strictObject({ name: z.string().min(1), request: CaseRequest, expect: CaseExpect });
export type PolicyCase = z.infer<typeof PolicyCase>;
export const PolicyCaseFile = z.array(PolicyCase).min(1);

export class CaseFileError extends Error {
  readonly problems: readonly FileProblem[];
  constructor(problems: readonly FileProblem[]) {
    super(problems.map((p) => `${p.file}${p.path ? ` at ${p.path}` : ''}: ${p.message}`).join('\n'));
    this.problems = problems;
  }
}

/** Parses a case file's text (YAML, which includes JSON) into cases, or throws naming the file and JSON path. */
export function parseCaseFile(name: string, text: string): PolicyCase[] {
  let json: unknown;
  try {
    json = parseYaml(text);
  } catch (error) {
    throw new CaseFileError([{ file: name, path: '', message: `not YAML or JSON: ${(error as Error).message}` }]);
  }
  const parsed = PolicyCaseFile.safeParse(json);
  if (!parsed.success) throw new CaseFileError(zodProblems(name, parsed.error));
  return parsed.data;
}

/** The engine's request for a case; a missing command line is the path and arguments joined. */
export function toEvaluationRequest(c: PolicyCase, now: Date): EvaluationRequest {
  const r = c.request;
  return {
    policyType: r.policyType,
    user: { uid: r.uid ?? null, name: r.user, groups: r.groups, home: r.home ?? null },
    machine: { name: r.machine },
    application: {
      path: r.path,
      sha256: r.sha256?.toLowerCase() ?? null,
      signer: r.signer ?? null,
      commandLine: r.commandLine ?? [r.path, ...(r.arguments ?? [])].join(' '),
      ...(r.arguments ? { arguments: r.arguments } : {}),
    },
    agentic: r.agentic ?? null,
    at: r.at ? new Date(r.at) : now,
  };
}
