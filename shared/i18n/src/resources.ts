import agentDe from './locales/de/agent.json' with { type: 'json' };
import approvalDe from './locales/de/approval.json' with { type: 'json' };
import approvalPendingDe from './locales/de/approvalPending.json' with { type: 'json' };
import commonDe from './locales/de/common.json' with { type: 'json' };
import justificationDe from './locales/de/justification.json' with { type: 'json' };
import messageDe from './locales/de/message.json' with { type: 'json' };
import mfaDe from './locales/de/mfa.json' with { type: 'json' };
import agentEn from './locales/en/agent.json' with { type: 'json' };
import approvalEn from './locales/en/approval.json' with { type: 'json' };
import approvalPendingEn from './locales/en/approvalPending.json' with { type: 'json' };
import commonEn from './locales/en/common.json' with { type: 'json' };
import justificationEn from './locales/en/justification.json' with { type: 'json' };
import messageEn from './locales/en/message.json' with { type: 'json' };
import mfaEn from './locales/en/mfa.json' with { type: 'json' };
import agentFr from './locales/fr/agent.json' with { type: 'json' };
import approvalFr from './locales/fr/approval.json' with { type: 'json' };
import approvalPendingFr from './locales/fr/approvalPending.json' with { type: 'json' };
import commonFr from './locales/fr/common.json' with { type: 'json' };
import justificationFr from './locales/fr/justification.json' with { type: 'json' };
import messageFr from './locales/fr/message.json' with { type: 'json' };
import mfaFr from './locales/fr/mfa.json' with { type: 'json' };
import agentJa from './locales/ja/agent.json' with { type: 'json' };
import approvalJa from './locales/ja/approval.json' with { type: 'json' };
import approvalPendingJa from './locales/ja/approvalPending.json' with { type: 'json' };
import commonJa from './locales/ja/common.json' with { type: 'json' };
import justificationJa from './locales/ja/justification.json' with { type: 'json' };
import messageJa from './locales/ja/message.json' with { type: 'json' };
import mfaJa from './locales/ja/mfa.json' with { type: 'json' };
import approverDe from './locales/de/approver.json' with { type: 'json' };
import approverEn from './locales/en/approver.json' with { type: 'json' };
import approverFr from './locales/fr/approver.json' with { type: 'json' };
import approverJa from './locales/ja/approver.json' with { type: 'json' };
import clientDe from './locales/de/client.json' with { type: 'json' };
import clientEn from './locales/en/client.json' with { type: 'json' };
import clientFr from './locales/fr/client.json' with { type: 'json' };
import clientJa from './locales/ja/client.json' with { type: 'json' };
import quickElevateDe from './locales/de/quickElevate.json' with { type: 'json' };
import quickElevateEn from './locales/en/quickElevate.json' with { type: 'json' };
import quickElevateFr from './locales/fr/quickElevate.json' with { type: 'json' };
import quickElevateJa from './locales/ja/quickElevate.json' with { type: 'json' };
import networkDe from './locales/de/network.json' with { type: 'json' };
import networkEn from './locales/en/network.json' with { type: 'json' };
import networkFr from './locales/fr/network.json' with { type: 'json' };
import networkJa from './locales/ja/network.json' with { type: 'json' };

/** Bundled translations: no backend fetch, so a window renders on its first frame. */
export const RESOURCES = {
  en: {
    common: commonEn,
    agent: agentEn,
    justification: justificationEn,
    mfa: mfaEn,
    message: messageEn,
    approval: approvalEn,
    approvalPending: approvalPendingEn,
    approver: approverEn,
    client: clientEn,
    quickElevate: quickElevateEn,
    network: networkEn,
  },
  de: {
    common: commonDe,
    agent: agentDe,
    justification: justificationDe,
    mfa: mfaDe,
    message: messageDe,
    approval: approvalDe,
    approvalPending: approvalPendingDe,
    approver: approverDe,
    client: clientDe,
    quickElevate: quickElevateDe,
    network: networkDe,
  },
  fr: {
    common: commonFr,
    agent: agentFr,
    justification: justificationFr,
    mfa: mfaFr,
    message: messageFr,
    approval: approvalFr,
    approvalPending: approvalPendingFr,
    approver: approverFr,
    client: clientFr,
    quickElevate: quickElevateFr,
    network: networkFr,
  },
  ja: {
    common: commonJa,
    agent: agentJa,
    justification: justificationJa,
    mfa: mfaJa,
    message: messageJa,
    approval: approvalJa,
    approvalPending: approvalPendingJa,
    approver: approverJa,
    client: clientJa,
    quickElevate: quickElevateJa,
    network: networkJa,
  },
} as const;

export type Namespace = keyof (typeof RESOURCES)['en'];
export const SUPPORTED_LANGUAGES = Object.keys(RESOURCES) as Array<keyof typeof RESOURCES>;
/** A pseudo-locale that makes untranslated and clipped strings stand out. */
export { PSEUDO_LANGUAGE } from './pseudoLocale.ts';
