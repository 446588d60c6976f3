import * as z from 'zod';
import { PromptRespondResult, PromptResponse, PromptShow, type PromptKind } from '../../../../protocol/src/common/methods/prompt.ts';
import { call, defineService, stream } from '../serviceDescriptor.ts';

/** What a prompt window shows: the prompt to answer now, and how many more of its kind wait. */
export const PromptQueueView = z.object({ current: PromptShow.nullable(), waiting: z.number().int().nonnegative() });
export type PromptQueueView = z.infer<typeof PromptQueueView>;

/**
 * One prompt service per prompt kind, each on its own channel, so a window can only ever see and
 * answer the prompts of its own kind.
 */
const promptService = <const K extends PromptKind>(kind: K) =>
  defineService(`keeper.prompts.${kind}`, {
    queue$: stream(z.tuple([]), PromptQueueView),
    respond: call(z.tuple([z.string().min(1).max(100), PromptResponse]), PromptRespondResult),
  });

export const JustificationPromptService = promptService('justification');
export type PromptServiceDescriptor = typeof JustificationPromptService;
