/**
 * How a web shell page gets onto the bridge without its token ever being in a URL: the shell hands
 * out a one-time launch link `/<window>/#launch=<nonce>`, and the page opens the bridge socket
 * (BRIDGE_PATH) offering the nonce as a WebSocket subprotocol. The shell spends the nonce, and its
 * first message on that socket is the window's token (TokenMessage), which the page keeps for reloads
 * and offers the same way later. Kept free of zod so the page's first script stays small.
 */
export const BRIDGE_PATH = '/bridge';
export const LAUNCH_PARAM = 'launch';
/** The subprotocol the shell selects; every bridge socket offers it, next to one credential. */
export const BRIDGE_PROTOCOL = 'keeper.bridge';
/** Credentials travel as subprotocols (the Sec-WebSocket-Protocol header), never in the URL. */
export const LAUNCH_PROTOCOL_PREFIX = 'keeper.launch.';
export const TOKEN_PROTOCOL_PREFIX = 'keeper.token.';

/** The shell's first message on a socket opened with a launch nonce. */
export interface TokenMessage {
  readonly t: 'token';
  readonly token: string;
}

/** Where a page keeps its window's token for reloads (sessionStorage: this tab only, gone with it). */
export const tokenStorageKey = (windowId: string): string => `keeper.webShell.token.${windowId}`;
