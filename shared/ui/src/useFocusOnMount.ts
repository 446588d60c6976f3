import { useLayoutEffect, type RefObject } from 'react';

/**
 * Focuses `ref` in the commit that mounts it. A passive effect would run after paint, so a key
 * pressed as the window appears (a quick typist, Escape at once) would land on the page body.
 */
export function useFocusOnMount(ref: RefObject<HTMLElement | null>): void {
  useLayoutEffect(() => ref.current?.focus(), [ref]);
}
