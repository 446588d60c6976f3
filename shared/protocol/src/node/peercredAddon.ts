import { createRequire } from 'node:module';
import type * as Peercred from '@keeper/peercred';

export type PeercredAddon = Partial<typeof Peercred>;

let loaded: PeercredAddon | null | undefined;

/**
 * The project's native addon (`@keeper/peercred`), loaded once; null where it is not built (Windows, a
 * failed install). Every function may be missing (an addon built before it had it): callers check the
 * one they use and say what they do without it.
 */
export function peercredAddon(): PeercredAddon | null {
  if (loaded === undefined) {
    try {
      loaded = createRequire(import.meta.url)('@keeper/peercred') as PeercredAddon;
    } catch {
      loaded = null;
    }
  }
  return loaded;
}
