const WAITING: Record<string, string> = {
  JUSTIFY: 'Waiting for your justification in the Keeper window…',
  MFA: 'Enter your MFA code in the Keeper window…',
  APPROVAL: 'Waiting for an approver to decide…',
  OPERATORAPPROVAL: 'Waiting for your approval in the Keeper window…',
  NOTIFY: 'Please read the notice in the Keeper window…',
};

/** What the terminal says while a request waits on `control` (a policy control such as MFA) in the Keeper window. */
export function waitingFor(control: string): string {
  return WAITING[control] ?? `Waiting for ${control}…`;
}
