import type { PromptWindowHarnessOptions } from './promptWindowHarness.ts';

/** The justification window through the prompt-window harness: /usr/bin/true needs a reason (and is audited). */
export const JUSTIFICATION_HARNESS: PromptWindowHarnessOptions = {
  window: 'keeper-justification',
  viewport: { width: 560, height: 640 },
  files: {
    'collections.json': { Collections: [{ CollectionId: 'col-true', Type: 'Application', Members: [{ Path: '/usr/bin/true' }] }] },
    'justify.json': {
      PolicyName: 'VPN tools need a reason',
      PolicyId: 'pol-vpn',
      PolicyType: 'PrivilegeElevation',
      Status: 'enforce',
      ApplicationCheck: ['col-true'],
      Actions: { OnSuccess: { Controls: ['JUSTIFY', 'AUDIT'] } },
    },
  },
};
