/** What programs the agent starts are created with: sudo's default umask, not the agent's own 077. */
export const CHILD_UMASK = 0o022;

/**
 * Runs `start` (a synchronous spawn: the child is forked before it returns, and inherits the umask
 * then) under CHILD_UMASK, and restores the agent's own umask at once. Without it an elevated
 * `apt-get install` would leave files only root can read.
 */
export function withChildUmask<T>(start: () => T): T {
  const own = process.umask(CHILD_UMASK);
  try {
    return start();
  } finally {
    process.umask(own);
  }
}
