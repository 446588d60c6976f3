import { StrictMode, type ComponentType } from 'react';
import { createRoot } from 'react-dom/client';
import { I18nextProvider } from 'react-i18next';
import { createI18n } from '../../i18n/src/createI18n.ts';
import type { Namespace } from '../../i18n/src/resources.ts';
import { applyTheme, initialTheme, type Theme } from './theme.ts';
import { startWindowTranslations, windowLog, type WindowTranslations } from './windowTranslations.ts';
import './theme.css';

export interface WindowProps {
  readonly theme: Theme;
}

/**
 * Starts a window: language from the launch URL or the browser, theme from the launch URL or the
 * user's last choice, `lang`/`dir` on <html> for screen readers, then renders the app once its
 * translations (`common` and `namespace`, in that language only, else in English) are loaded. A
 * window that asked for them earlier (startPromptWindow) passes them in.
 */
export function bootstrapWindow(
  namespace: Namespace,
  App: ComponentType<WindowProps>,
  translations: Promise<WindowTranslations> = startWindowTranslations(namespace),
): void {
  const theme = initialTheme(window.location.search, window.localStorage);
  applyTheme(theme, document.documentElement, null);
  const container = document.getElementById('root');
  if (!container) throw new Error('the page has no #root element');

  translations.then(
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
    (error: Error) => windowLog(namespace)(`no translations loaded: ${error.message}`),
  );
}
