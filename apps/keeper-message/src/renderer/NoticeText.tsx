import { useTranslation } from 'react-i18next';
import type { PromptShow } from '../../../../shared/protocol/src/common/methods/prompt.ts';
import { ReasonText } from '../../../../shared/ui/src/ReasonText.tsx';

type MessageDetails = NonNullable<PromptShow['message']>;

interface NoticeTextProps {
  readonly details: MessageDetails;
  /** The text's element id, for the buttons it describes. */
  readonly id: string;
  readonly commentId: string;
}

/**
 * What a notice says. An administrator's policy text is shown as written; a notice of the agent's
 * own comes with a reason code and is worded in the window's language, except an approver's
 * comment: their own words, shown apart and as typed.
 */
export function NoticeText({ details, id, commentId }: NoticeTextProps) {
  const { t } = useTranslation('message');
  const detail = details.reasonDetail;
  if (!detail) {
    return (
      <p id={id} className="kp-message" data-testid="message-text" data-raw="">
        {details.text}
      </p>
    );
  }
  const commented = detail.code === 'approval-denied-comment' ? detail.values : null;
  return (
    <>
      <p id={id} className="kp-message" data-testid="message-text">
        <ReasonText reason={details.text} detail={commented ? { code: 'approval-denied', values: { approver: commented.approver } } : detail} />
      </p>
      {commented ? (
        <p id={commentId} className="kp-message" data-testid="message-comment">
          <span>{t('comment')}</span>{' '}
          <span data-raw="" data-testid="message-comment-text">
            {commented.comment}
          </span>
        </p>
      ) : null}
    </>
  );
}
