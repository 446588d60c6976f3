import type { ConnectionContext } from './agentConnection.ts';

/** A connection that said it is a desktop and that the agent verified as one (see identity/desktopSessions.ts). */
export function isVerifiedDesktop(context: ConnectionContext): boolean {
  return context.session?.clientKind === 'desktop' && context.session.desktop?.verified === true;
}

/**
 * The open connections, and which of them are verified desktop sessions of which user. Prompts go
 * only to verified desktops of their own user; request updates only to the requester's connections.
 */
export class ConnectionRegistry {
  private readonly open = new Set<ConnectionContext>();
  private readonly joinListeners = new Set<(context: ConnectionContext) => void>();
  private readonly leaveListeners = new Set<(context: ConnectionContext) => void>();

  add(context: ConnectionContext): void {
    this.open.add(context);
  }

  remove(context: ConnectionContext): void {
    if (!this.open.delete(context)) return;
    for (const listener of this.leaveListeners) listener(context);
  }

  onRemoved(listener: (context: ConnectionContext) => void): () => void {
    this.leaveListeners.add(listener);
    return () => this.leaveListeners.delete(listener);
  }

  /** Called once the handshake names the client; desktop sessions then receive their open prompts. */
  sessionStarted(context: ConnectionContext): void {
    for (const listener of this.joinListeners) listener(context);
  }

  onSessionStarted(listener: (context: ConnectionContext) => void): () => void {
    this.joinListeners.add(listener);
    return () => this.joinListeners.delete(listener);
  }

  /** A verified desktop of a known user started: what is open for that user is delivered again. */
  onDesktopSessionStarted(listener: (context: ConnectionContext, uid: number) => void): () => void {
    return this.onSessionStarted((context) => {
      if (isVerifiedDesktop(context) && context.peer.uid !== null) listener(context, context.peer.uid);
    });
  }

  withSession(): ConnectionContext[] {
    return [...this.open].filter((c) => c.session !== null);
  }

  ofUser(uid: number): ConnectionContext[] {
    return this.withSession().filter((c) => c.peer.uid === uid);
  }

  /** Verified desktops only: a process that merely says it is a desktop is never offered a prompt. */
  desktopsOf(uid: number): ConnectionContext[] {
    return this.ofUser(uid).filter(isVerifiedDesktop);
  }

  get size(): number {
    return this.open.size;
  }

  /** Open connections of one uid, with or without a session yet. */
  countFor(uid: number | null): number {
    return [...this.open].filter((c) => c.peer.uid === uid).length;
  }
}
