import { useEffect, useId, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { SHORTCUTS } from './shortcuts.ts';
import { approverActions } from './store.ts';

/** Every keyboard shortcut of the window, from the same table the shortcuts run on. */
export function HelpOverlay() {
  const { t } = useTranslation('approver');
  const dialogRef = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = dialogRef.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);
  return (
    <dialog ref={dialogRef} className="ka-dialog" aria-labelledby={titleId} data-testid="help" onCancel={() => approverActions.toggleHelp(false)}>
      <h2 id={titleId}>{t('help.title')}</h2>
      <dl className="kp-facts">
        {SHORTCUTS.map((shortcut) => (
          <div key={shortcut.action} className="ka-shortcut">
            <dt>
              {shortcut.keys.map((key, index) => (
                <span key={key}>
                  {index > 0 ? ' / ' : ''}
                  <kbd>{key}</kbd>
                </span>
              ))}
            </dt>
            <dd>{t(`help.${shortcut.action}`)}</dd>
          </div>
        ))}
      </dl>
      <div className="kp-actions">
        <button type="button" className="kp-button" onClick={() => approverActions.toggleHelp(false)}>
          {t('help.close')}
        </button>
      </div>
    </dialog>
  );
}
