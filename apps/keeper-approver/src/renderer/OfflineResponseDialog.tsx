import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { OfflineResponseOutcome } from '../../../../shared/bridge/src/common/services/approverQueue.ts';
import { TextField } from '../../../../shared/ui/src/TextField.tsx';
import { requestOfflineResponse } from './decisions.ts';

/**
 * Signed offline approval (docs/fleet.md): a requester whose machine is offline reads out its name
 * and a challenge; the fleet makes the response for this approver, if they approve for that
 * machine's group, and audits it. The approver reads back their user name and the response.
 */
export function OfflineResponseButton() {
  const { t } = useTranslation('approver');
  const [open, setOpen] = useState(false);
  const opener = useRef<HTMLButtonElement>(null);
  return (
    <>
      <button ref={opener} type="button" className="kp-button kp-secondary" data-testid="offline-open" onClick={() => setOpen(true)}>
        {t('offline.open')}
      </button>
      {open ? (
        <OfflineResponseDialog
          onClose={() => {
            setOpen(false);
            opener.current?.focus();
          }}
        />
      ) : null}
    </>
  );
}

function OfflineResponseDialog({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation('approver');
  const dialogRef = useRef<HTMLDialogElement>(null);
  const ids = { title: useId() };
  const [machine, setMachine] = useState('');
  const [challenge, setChallenge] = useState('');
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<OfflineResponseOutcome | null>(null);
  const [missing, setMissing] = useState(false);

  useEffect(() => {
    const dialog = dialogRef.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!machine.trim() || !challenge.trim()) return setMissing(true);
    setMissing(false);
    setBusy(true);
    setOutcome(await requestOfflineResponse(machine.trim(), challenge.trim()));
    setBusy(false);
  };

  return (
    <dialog ref={dialogRef} className="ka-dialog" aria-labelledby={ids.title} data-testid="offline-dialog" onCancel={onClose}>
      <form className="kp-stack" onSubmit={(event) => void submit(event)} noValidate>
        <h2 id={ids.title}>{t('offline.title')}</h2>
        <p className="kp-hint">{t('offline.intro')}</p>
        <TextField label={t('offline.machineLabel')} value={machine} onChange={setMachine} maxLength={253} testId="offline-machine" autoFocus />
        <TextField
          label={t('offline.challengeLabel')}
          value={challenge}
          onChange={setChallenge}
          maxLength={40}
          testId="offline-challenge"
          mono
          hint={t('offline.challengeHint')}
        />
        <div role="status" aria-live="polite" className="kp-live">
          {missing ? <p className="kp-error">{t('offline.missing')}</p> : null}
          {outcome?.ok ? (
            <div className="kp-notice" data-tone="ok" data-testid="offline-result">
              <p>{t('offline.readBack', { machine: outcome.machine })}</p>
              <p>
                {t('offline.approver')}{' '}
                <strong data-raw="" data-testid="offline-result-approver">
                  {outcome.approver}
                </strong>
              </p>
              <p>
                {t('offline.response')}{' '}
                <strong className="ka-offline-code" data-testid="offline-result-response">
                  {outcome.response}
                </strong>
              </p>
            </div>
          ) : null}
          {outcome && !outcome.ok ? (
            <p className="kp-notice" data-tone="bad" data-testid="offline-problem">
              {t(`offline.problem.${outcome.reason}`, { message: outcome.message })}
            </p>
          ) : null}
        </div>
        <div className="kp-actions">
          <button type="button" className="kp-button kp-secondary" onClick={onClose}>
            {t('offline.close')}
          </button>
          <button type="submit" className="kp-button" disabled={busy} data-testid="offline-submit">
            {t('offline.submit')}
          </button>
        </div>
      </form>
    </dialog>
  );
}
