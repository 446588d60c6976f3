/**
 * How a web shell page gets its token without the token ever being in a URL: the shell hands out
 * a one-time launch link `/<window>/#launch=<nonce>`, and the page trades the nonce for its token at
 * BOOTSTRAP_PATH on first load. Kept free of zod so the page's first script stays small.
 */
export const BOOTSTRAP_PATH = '/bootstrap';
export const LAUNCH_PARAM = 'launch';
/** Largest bootstrap request body the shell reads. */
export const MAX_BOOTSTRAP_BYTES = 1024;

/** Where a page keeps its window's token for reloads (sessionStorage: this tab only, gone with it). */
export const tokenStorageKey = (windowId: string): string => `keeper.webShell.token.${windowId}`;
