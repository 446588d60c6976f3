import { StrictMode, type ComponentType } from 'react';
import { createRoot } from 'react-dom/client';
import { I18nextProvider } from 'react-i18next';
import * as z from 'zod';
import { createI18n, pickLanguage } from '../../i18n/src/createI18n.ts';
import type { Namespace } from '../../i18n/src/resources.ts';
import { applyTheme, initialTheme, type Theme } from './theme.ts';
import './theme.css';

/** zod's JIT probe uses `new Function`, which our CSP (rightly) forbids. */
z.config({ jitless: true });

export interface WindowProps {
  readonly theme: Theme;
}

/**
 * Starts a window: language from the launch URL or the browser, theme from the launch URL or the
 * user's last choice, `lang`/`dir` on <html> for screen readers, then renders the app.
 */
export function bootstrapWindow(namespace: Namespace, App: ComponentType<WindowProps>): void {
  const search = window.location.search;
  const requested = new URLSearchParams(search).get('lng');
  const language = pickLanguage(requested ? [requested] : navigator.languages);
  const i18n = createI18n(language, namespace);
  document.documentElement.lang = language;
  document.documentElement.dir = i18n.dir(language);
  document.title = i18n.t('title');

  const storage = window.localStorage;
  const theme = initialTheme(search, storage);
  applyTheme(theme, document.documentElement, null);

  const container = document.getElementById('root');
  if (!container) throw new Error('the page has no #root element');
  createRoot(container).render(
    <StrictMode>
      <I18nextProvider i18n={i18n}>
        <App theme={theme} />
      </I18nextProvider>
    </StrictMode>,
  );
}
