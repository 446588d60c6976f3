/**
 * The protocol version this build speaks. A client announcing another major gets ProtocolVersionMismatch.
 * Its own module (re-exported by methods/session.ts) so that a CLI can announce it without building any schema.
 */
export const PROTOCOL_VERSION = 1;
