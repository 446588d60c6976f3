/**
 * The OS accounts the tests act as. `nobody` plays the attacker (a system account with no desktop);
 * the person accounts play employees and approvers with a real login shell and a uid in the
 * people range, so the agent treats them as people.
 */
export const ATTACKER = 'nobody';
export const PERSON_ACCOUNTS = ['keeper-alice', 'keeper-bob'] as const;
export type PersonAccount = (typeof PERSON_ACCOUNTS)[number];
