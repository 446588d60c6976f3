import agentDe from './locales/de/agent.json' with { type: 'json' };
import approvalDe from './locales/de/approval.json' with { type: 'json' };
import commonDe from './locales/de/common.json' with { type: 'json' };
import justificationDe from './locales/de/justification.json' with { type: 'json' };
import messageDe from './locales/de/message.json' with { type: 'json' };
import mfaDe from './locales/de/mfa.json' with { type: 'json' };
import agentEn from './locales/en/agent.json' with { type: 'json' };
import approvalEn from './locales/en/approval.json' with { type: 'json' };
import commonEn from './locales/en/common.json' with { type: 'json' };
import justificationEn from './locales/en/justification.json' with { type: 'json' };
import messageEn from './locales/en/message.json' with { type: 'json' };
import mfaEn from './locales/en/mfa.json' with { type: 'json' };

/** Bundled translations: no backend fetch, so a window renders on its first frame. */
export const RESOURCES = {
  en: { common: commonEn, agent: agentEn, justification: justificationEn, mfa: mfaEn, message: messageEn, approval: approvalEn },
  de: { common: commonDe, agent: agentDe, justification: justificationDe, mfa: mfaDe, message: messageDe, approval: approvalDe },
} as const;

export type Namespace = keyof (typeof RESOURCES)['en'];
export const SUPPORTED_LANGUAGES = Object.keys(RESOURCES) as Array<keyof typeof RESOURCES>;
/** A pseudo-locale that makes untranslated and clipped strings stand out. */
export const PSEUDO_LANGUAGE = 'en-XA';
