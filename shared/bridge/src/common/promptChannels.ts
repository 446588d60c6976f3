/**
 * Where a prompt kind's service lives on the bridge, without zod: a prompt window subscribes to its
 * queue as soon as its web shell socket opens, before the schemas (services/prompts.ts) have loaded.
 */
export const promptChannel = <const K extends string>(kind: K): `keeper.prompts.${K}` => `keeper.prompts.${kind}`;

/** The member of every prompt service that streams its queue. */
export const PROMPT_QUEUE_MEMBER = 'queue$';
