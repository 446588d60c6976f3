import * as z from 'zod';
import { PromptRespondResult, PromptResponse, PromptShow, type PromptKind } from '../../../../protocol/src/common/methods/prompt.ts';
import { PROMPT_QUEUE_MEMBER, promptChannel } from '../promptChannels.ts';
import { call, defineService, stream } from '../serviceDescriptor.ts';

/** What a prompt window shows: the prompt to answer now, and how many more of its kind wait. */
export const PromptQueueView = z.object({ current: PromptShow.nullable(), waiting: z.number().int().nonnegative() });
export type PromptQueueView = z.infer<typeof PromptQueueView>;

/**
 * One prompt service per prompt kind, each on its own channel, so a window can only ever see and
 * answer the prompts of its own kind.
 */
const promptService = <const K extends PromptKind>(kind: K) =>
  defineService(promptChannel(kind), {
    [PROMPT_QUEUE_MEMBER]: stream(z.tuple([]), PromptQueueView),
    respond: call(z.tuple([z.string().min(1).max(100), PromptResponse]), PromptRespondResult),
  });

export const JustificationPromptService = promptService('justification');
export const MfaPromptService = promptService('mfa');
export const MessagePromptService = promptService('message');
export const OperatorApprovalPromptService = promptService('operatorApproval');
/** The requester's "approval pending" notice; its only answer is `cancel` (withdraw the request). */
export const ApprovalPendingPromptService = promptService('approval');

/** Any kind's prompt service: they differ only in their channel. */
export type PromptServiceDescriptor = ReturnType<typeof promptService<PromptKind>>;

/** The prompt kinds a window answers, and the service each is answered through. */
export const PROMPT_SERVICES = {
  justification: JustificationPromptService,
  mfa: MfaPromptService,
  message: MessagePromptService,
  operatorApproval: OperatorApprovalPromptService,
  approval: ApprovalPendingPromptService,
} as const satisfies Partial<Record<PromptKind, PromptServiceDescriptor>>;
