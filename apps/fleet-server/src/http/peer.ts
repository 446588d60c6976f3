import type { TLSSocket } from 'node:tls';
import type { X509Certificate } from 'node:crypto';

/** The machine a request comes from, as its client certificate says (CN = machine id). */
export interface PeerCertificate {
  readonly machineId: string;
  readonly validTo: Date;
  readonly cert: X509Certificate;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function machineIdOf(cert: X509Certificate): string | null {
  const cn = /^CN=(.*)$/m.exec(cert.subject)?.[1];
  return cn && UUID.test(cn) ? cn : null;
}

/** A connection's certificate, read once: TLS renegotiation is off (server.ts), so it cannot change. */
const peers = new WeakMap<TLSSocket, PeerCertificate | null>();

/**
 * The verified peer, or null. The port also serves registration (no certificate yet), so TLS does not
 * reject: `authorized` is the check that matters (a certificate of another CA is still readable).
 * Expiry is checked per request: a keep-alive connection outlives its handshake, and a resumed TLS
 * session skips the chain check.
 */
export function verifiedPeer(socket: TLSSocket, now = Date.now()): PeerCertificate | null {
  if (!socket.authorized) return null;
  let peer = peers.get(socket);
  if (peer === undefined) {
    const cert = socket.getPeerX509Certificate();
    const machineId = cert ? machineIdOf(cert) : null;
    peer = cert && machineId ? { machineId, validTo: cert.validToDate, cert } : null;
    peers.set(socket, peer);
  }
  return peer && peer.validTo.getTime() > now ? peer : null;
}

/**
 * For renewal only: a certificate that failed solely because it expired, checked against our CA by
 * hand, so an agent that was away longer than its certificate's life can still renew (revocation
 * is checked by the caller).
 */
export function expiredPeer(socket: TLSSocket, caCert: X509Certificate, graceMs: number, now = Date.now()): PeerCertificate | null {
  if (socket.authorized || socket.authorizationError?.toString() !== 'CERT_HAS_EXPIRED') return null;
  const cert = socket.getPeerX509Certificate();
  if (!cert || !cert.checkIssued(caCert) || !cert.verify(caCert.publicKey)) return null;
  const machineId = machineIdOf(cert);
  if (!machineId || now - cert.validToDate.getTime() > graceMs) return null;
  return { machineId, validTo: cert.validToDate, cert };
}
