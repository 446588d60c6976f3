import { peercredAddon } from '../../../../shared/protocol/src/node/peercredAddon.ts';

/**
 * Gives the C heap's free pages back to the system (glibc's malloc_trim, in the agent's addon): what V8's
 * parser and compiler freed during the start stays resident otherwise, ~6 MB for as long as the agent runs.
 * Nothing happens where the addon is not built (Windows) or the C library is not glibc.
 */
export function trimMalloc(): void {
  peercredAddon()?.trimMalloc?.();
}
