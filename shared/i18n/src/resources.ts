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

/** Bundled translations: no backend fetch, so a window renders on its first frame. */
export const RESOURCES = {
  en: { common: commonEn, agent: agentEn, justification: justificationEn, mfa: mfaEn, message: messageEn, approval: approvalEn, approvalPending: approvalPendingEn },
  de: { common: commonDe, agent: agentDe, justification: justificationDe, mfa: mfaDe, message: messageDe, approval: approvalDe, approvalPending: approvalPendingDe },
  fr: { common: commonFr, agent: agentFr, justification: justificationFr, mfa: mfaFr, message: messageFr, approval: approvalFr, approvalPending: approvalPendingFr },
  ja: { common: commonJa, agent: agentJa, justification: justificationJa, mfa: mfaJa, message: messageJa, approval: approvalJa, approvalPending: approvalPendingJa },
} as const;

export type Namespace = keyof (typeof RESOURCES)['en'];
export const SUPPORTED_LANGUAGES = Object.keys(RESOURCES) as Array<keyof typeof RESOURCES>;
/** A pseudo-locale that makes untranslated and clipped strings stand out. */
export const PSEUDO_LANGUAGE = 'en-XA';
