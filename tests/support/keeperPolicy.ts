import { KeeperPolicy, type Control, type PolicyStatus } from '../../apps/agent-service/src/policy/policySchema.ts';

/**
 * Parsed Keeper policies for unit tests: each call gets the next number, named `<namePrefix>n`
 * with id `<idPrefix>-n`; `extra` overrides any field.
 */
export function policyBuilder(
  namePrefix: string,
  idPrefix: string,
): (controls: Control[], extra?: Record<string, unknown>, status?: PolicyStatus) => KeeperPolicy {
  let counter = 0;
  return (controls, extra = {}, status = 'enforce') => {
    counter++;
    return KeeperPolicy.parse({
      PolicyName: `${namePrefix}${counter}`,
      PolicyId: `${idPrefix}-${counter}`,
      PolicyType: 'PrivilegeElevation',
      Status: status,
      Actions: { OnSuccess: { Controls: controls } },
      ...extra,
    });
  };
}
