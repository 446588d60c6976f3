import { StrictMode, type ComponentType } from 'react';
import { createRoot } from 'react-dom/client';
import { I18nextProvider } from 'react-i18next';
import { createI18n, pickLanguage } from '../../i18n/src/createI18n.ts';
import { LANGUAGES } from '../../i18n/src/loadTranslations.ts';
import type { Namespace } from '../../i18n/src/resources.ts';
import { applyTheme, initialTheme, type Theme } from './theme.ts';
import { loadWindowTranslations } from './windowTranslations.ts';
import './theme.css';

export interface WindowProps {
  readonly theme: Theme;
}

/**
 * Starts a window: language from the launch URL or the browser, theme from the launch URL or the
 * user's last choice, `lang`/`dir` on <html> for screen readers, then renders the app once its
 * translations (`common` and `namespace`, in that language only, else in English) are loaded.
 */
export function bootstrapWindow(namespace: Namespace, App: ComponentType<WindowProps>): void {
  const search = window.location.search;
  const requested = new URLSearchParams(search).get('lng');
  const language = pickLanguage(requested ? [requested] : navigator.languages, LANGUAGES);
  const theme = initialTheme(search, window.localStorage);
  applyTheme(theme, document.documentElement, null);
  const container = document.getElementById('root');
  if (!container) throw new Error('the page has no #root element');

  const log = (message: string) => console.error(`Keeper ${namespace} window: ${message}`);
  loadWindowTranslations(language, namespace, log).then(
    ({ language: shown, resources }) => {
      const i18n = createI18n(shown, namespace, resources);
      document.documentElement.lang = shown;
      document.documentElement.dir = i18n.dir(shown);
      document.title = i18n.t('title');
      createRoot(container).render(
        <StrictMode>
          <I18nextProvider i18n={i18n}>
            <App theme={theme} />
          </I18nextProvider>
        </StrictMode>,
      );
    },
    // Not even English loaded: there are no words to show, so the reason goes to the log.
    (error: Error) => log(`no translations loaded: ${error.message}`),
  );
}
