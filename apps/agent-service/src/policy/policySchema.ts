import * as z from 'zod';
import { ControlName, PolicyStatusName, PolicyTypeName } from '../../../../shared/protocol/src/common/methods/elevation.ts';
import { MAX_APPROVAL_QUORUM } from '../../../../shared/protocol/src/common/methods/approvals.ts';
import { misplacedRepeat } from './argumentRules.ts';

/** The enums are the protocol's, so a decision's summary and the policy file agree by construction. */
export const PolicyStatus = PolicyStatusName;
export const PolicyType = PolicyTypeName;
export const Control = ControlName;

/** Controls that only record: they never decide an outcome (docs/policy-semantics.md, 5). */
export const RECORDING_CONTROLS: ReadonlySet<string> = new Set(['AUDIT', 'RECORD']);
/** Controls that resolve the outcome on their own: the seed says they cannot be combined with others. */
const DETERMINATION_CONTROLS: ReadonlySet<string> = new Set(['ALLOW', 'DENY']);

/** ALLOW or DENY next to any control but the recording ones is refused at the offending control. */
const Controls = z
  .array(Control)
  .min(1)
  .superRefine((controls, ctx) => {
    const determination = controls.find((c) => DETERMINATION_CONTROLS.has(c));
    if (determination === undefined) return;
    const index = controls.findIndex((c) => c !== determination && !RECORDING_CONTROLS.has(c));
    if (index === -1) return;
    ctx.addIssue({
      code: 'custom',
      path: [index],
      message: `${determination} decides the outcome on its own and cannot be combined with ${controls[index]} (only AUDIT and RECORD may go with it)`,
    });
  });

const Check = z.array(z.string().min(1)).min(1);
const HourString = z.string().regex(/^(?:[01]?\d|2[0-4])(?::[0-5]\d)?$/, 'an hour such as "9" or "17:30"');
const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date such as "2026-01-31"');
/** Argument patterns take no variables: a `{name}` is refused rather than silently matching nothing. */
const ArgumentPattern = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => !/\{[A-Za-z_][A-Za-z0-9_]*\}/.test(p), 'an argument pattern without variables ({name})');
const AllowArguments = z.array(z.array(ArgumentPattern).max(1024)).superRefine((rules, ctx) => {
  const misplaced = misplacedRepeat(rules);
  if (misplaced)
    ctx.addIssue({ code: 'custom', path: [misplaced.rule, misplaced.argument], message: '"..." may only end the last pattern of a rule, after a pattern' });
});

/** Keeper's policy JSON (see docs/policy-semantics.md). Unknown keys are kept: the console adds more. */
export const KeeperPolicy = z.looseObject({
  PolicyName: z.string().min(1),
  PolicyType: PolicyType,
  PolicyId: z.string().min(1),
  Status: PolicyStatus,
  RiskLevel: z.number().min(0).max(100).optional(),
  Operator: z.literal('And').default('And'),
  Rules: z.array(z.looseObject({ RuleName: z.string() })).optional(),
  UserCheck: Check.default(['*']),
  MachineCheck: Check.default(['*']),
  ApplicationCheck: Check.default(['*']),
  DateCheck: z.array(z.object({ StartDate: IsoDate, EndDate: IsoDate })).optional(),
  TimeCheck: z.array(z.object({ StartTime: HourString, EndTime: HourString })).optional(),
  DayCheck: z.array(z.number().int().min(0).max(6)).optional(),
  Actions: z.looseObject({
    OnSuccess: z.looseObject({ Controls: Controls }),
    OnFailure: z.looseObject({ Command: z.string().optional() }).optional(),
  }),
  NotificationMessage: z.string().optional(),
  NotificationRequiresAcknowledge: z.boolean().optional(),
  Extension: z
    .looseObject({
      AllowCommands: z.array(z.string()).optional(),
      SubProcessCheck: z.array(z.string().min(1)).optional(),
      minAiLikelihoodPercent: z.number().min(0).max(100).optional(),
      /** Our extension: the argument vectors the policy applies to, one pattern per argument (docs/policy-semantics.md, 4.6). */
      AllowArguments: AllowArguments.optional(),
      /** Our extension: the policy does not apply when any argument matches one of these patterns. */
      DenyArguments: z.array(ArgumentPattern).optional(),
      /** Our extension: passing this policy's controls opens an elevated session (`true`: the configured length, or minutes). */
      ElevatedSession: z
        .union([
          z.literal(true),
          z
            .number()
            .positive()
            .max(7 * 24 * 60),
        ])
        .optional(),
      /** Our extension: offline, this policy's APPROVAL may be given by a signed response read over the phone (docs/fleet.md). */
      OfflineApproval: z.boolean({ error: 'true or false' }).optional(),
      /** Our extension: an APPROVAL needs this many distinct approvers, never the requester (docs/policy-semantics.md, 2.7). */
      ApprovalQuorum: z
        .number({ error: `a whole number of approvers from 1 to ${MAX_APPROVAL_QUORUM}` })
        .int(`a whole number of approvers from 1 to ${MAX_APPROVAL_QUORUM}`)
        .min(1, `a whole number of approvers from 1 to ${MAX_APPROVAL_QUORUM}`)
        .max(MAX_APPROVAL_QUORUM, `at most ${MAX_APPROVAL_QUORUM} approvers`)
        .optional(),
    })
    .optional(),
});

/** Collections group users, machines and applications; policies name them in their checks. */
const UserMember = z.union([
  z.strictObject({ Name: z.string().min(1) }),
  z.strictObject({ Uid: z.number().int().nonnegative() }),
  z.strictObject({ Group: z.string().min(1) }),
]);
const MachineMember = z.strictObject({ Name: z.string().min(1) });
const ApplicationMember = z.union([
  z.strictObject({ Path: z.string().min(1) }),
  z.strictObject({ Sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'a SHA-256 hex digest') }),
  z.strictObject({ Signer: z.string().min(1) }),
]);

export const Collection = z.discriminatedUnion('Type', [
  z.object({ CollectionId: z.string().min(1), Name: z.string().optional(), Type: z.literal('User'), Members: z.array(UserMember) }),
  z.object({ CollectionId: z.string().min(1), Name: z.string().optional(), Type: z.literal('Machine'), Members: z.array(MachineMember) }),
  z.object({ CollectionId: z.string().min(1), Name: z.string().optional(), Type: z.literal('Application'), Members: z.array(ApplicationMember) }),
]);

/** A file in the policies folder is a collections document (it has `Collections`) or policies. */
export const CollectionsFile = z.strictObject({ Collections: z.array(Collection) });
export const PoliciesFile = z.union([z.array(KeeperPolicy), KeeperPolicy]);

export function isCollectionsDocument(json: unknown): boolean {
  return typeof json === 'object' && json !== null && !Array.isArray(json) && 'Collections' in json;
}

export type PolicyStatus = z.infer<typeof PolicyStatus>;
export type PolicyType = z.infer<typeof PolicyType>;
export type Control = z.infer<typeof Control>;
export type KeeperPolicy = z.infer<typeof KeeperPolicy>;
export type Collection = z.infer<typeof Collection>;
