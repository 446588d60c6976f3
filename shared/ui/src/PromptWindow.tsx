import { createContext, useCallback, useContext, useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Namespace } from '../../i18n/src/resources.ts';
import type { PromptRespondResult, PromptResponse, PromptShow } from '../../protocol/src/common/methods/prompt.ts';
import { BridgeNotice } from './BridgeNotice.tsx';
import { Countdown } from './Countdown.tsx';
import { currentPrompt, type PromptSlice } from './promptStore.ts';
import { ThemeSelect } from './ThemeSelect.tsx';
import type { Theme } from './theme.ts';
import { WindowFrame } from './WindowFrame.tsx';

const RespondContext = createContext<PromptSlice['respond'] | null>(null);

export interface PromptWindowProps {
  readonly theme: Theme;
  readonly state: Pick<PromptSlice, 'bridge' | 'bridgeError' | 'queue' | 'answered' | 'respond'>;
  /**
   * The window's translations: `title`, `subtitle`, `nothingPending` (no prompt of this kind is
   * open) and `done` (this window answered, and nothing else waits).
   */
  readonly namespace: Namespace;
  /** Whether the expiry countdown applies (a notice that blocks nothing has none). */
  readonly countdown?: (prompt: PromptShow) => boolean;
  /** A title for a prompt whose state changes what the window is about (default: `title`). */
  readonly titleOf?: (prompt: PromptShow) => string;
  /** The view of one prompt; it is mounted afresh for every prompt. */
  readonly children: (prompt: PromptShow) => ReactNode;
  /** Shown instead of `nothingPending`/`done` when nothing is open, e.g. why the last answer ended the request. */
  readonly idle?: ReactNode;
}

/**
 * The shell of every prompt window (polkit-shaped: one prompt in, exactly one answer out): the frame
 * with the expiry countdown, the bridge's state, the prompt's own view, how many more wait, and what
 * to say when nothing is open.
 */
export function PromptWindow({ theme, state, namespace, countdown = () => true, titleOf, children, idle }: PromptWindowProps) {
  const { t } = useTranslation(namespace);
  const prompt = currentPrompt(state);
  const waiting = state.queue.waiting;
  return (
    <WindowFrame
      title={prompt && titleOf ? titleOf(prompt) : t('title')}
      subtitle={t('subtitle')}
      status={prompt && countdown(prompt) ? <Countdown expiresAt={prompt.expiresAt} /> : null}
      footer={<ThemeSelect initial={theme} />}
    >
      {state.bridge === 'lost' || state.bridge === 'failed' ? (
        <div role="alert">
          <BridgeNotice bridge={state.bridge} reason={state.bridgeError} />
        </div>
      ) : prompt ? (
        <RespondContext value={state.respond}>
          <div key={prompt.promptId} className="kp-stack">
            {children(prompt)}
          </div>
          {waiting > 0 ? (
            <p className="kp-hint" data-testid="waiting">
              {t('common:waiting', { count: waiting })}
            </p>
          ) : null}
        </RespondContext>
      ) : idle ? (
        idle
      ) : (
        <div className="kp-notice" data-tone="neutral" role="status" data-testid="nothing-pending">
          <p>{state.answered.length > 0 ? t('done') : t('nothingPending')}</p>
        </div>
      )}
    </WindowFrame>
  );
}

/**
 * Answers the prompt `promptId` through the window's prompt service. One answer at a time; a failed
 * send (not a refusal by the agent: that is the result) becomes `failure`, in words for the user.
 */
export function usePromptAnswer(promptId: string) {
  const respond = useContext(RespondContext);
  const { t } = useTranslation('common');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const sending = useRef(false);
  const answer = useCallback(
    async (response: PromptResponse): Promise<PromptRespondResult | null> => {
      if (!respond || sending.current) return null;
      sending.current = true;
      setBusy(true);
      setFailure(null);
      try {
        return await respond(promptId, response);
      } catch (error) {
        setFailure(t('answerFailed', { reason: (error as Error).message }));
        return null;
      } finally {
        sending.current = false;
        setBusy(false);
      }
    },
    [respond, promptId, t],
  );
  return { busy, failure, answer };
}

/**
 * Escape anywhere in the window runs `onEscape` (a prompt's cancel, as in a polkit dialog). Listening
 * from the commit that shows the prompt, so an Escape pressed as it appears is not lost.
 */
export function useEscapeKey(onEscape: () => void): void {
  useLayoutEffect(() => {
    const listener = (event: KeyboardEvent) => {
      if (event.key !== 'Escape' || event.defaultPrevented) return;
      event.preventDefault();
      onEscape();
    };
    document.addEventListener('keydown', listener);
    return () => document.removeEventListener('keydown', listener);
  }, [onEscape]);
}

/** Sends a failure of `usePromptAnswer` to assistive technology as it appears. */
export function AnswerFailure({ failure }: { failure: string | null }) {
  return failure ? (
    <p role="alert" className="kp-error" data-testid="answer-failure">
      {failure}
    </p>
  ) : null;
}
