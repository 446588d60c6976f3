import { peercredAddon } from '../../../shared/protocol/src/node/peercredAddon.ts';

/**
 * isatty(3), from the addon where it is built: node:tty answers the same, but loading it loads node:net
 * and the streams, which a one-shot CLI that talks to the agent through a descriptor never needs.
 */
export function isTerminal(fd: number): boolean {
  const fromAddon = process.platform === 'win32' ? undefined : peercredAddon()?.isTerminal;
  return fromAddon ? fromAddon(fd) : process.getBuiltinModule('node:tty').isatty(fd);
}
