import * as z from 'zod';
import { defineRequest, NoParams, onFirstUse } from '../method.ts';

/** A TOTP code as authenticator apps show it (RFC 6238, 6 digits). */
export const MfaCode = z.string().regex(/^\d{6}$/, 'six digits');

export const MfaEnrollBeginResult = onFirstUse(() =>
  z.object({
    enrollmentId: z.string(),
    /** `otpauth://totp/…` for the QR code. */
    otpauthUri: z.string().startsWith('otpauth://'),
    /** The base32 secret, for typing into an app that cannot scan. */
    secret: z.string().regex(/^[A-Z2-7]+=*$/, 'base32'),
    /** The same URI as a PNG QR code (`data:image/png;base64,…`); the window's CSP needs `img-src data:`. */
    qrPngDataUrl: z.string().startsWith('data:image/png;base64,'),
    issuer: z.string(),
    /** The label the authenticator app shows: `<user>@<host>`. */
    account: z.string(),
    /** The enrollment must be confirmed before this time. */
    expiresAt: z.iso.datetime(),
  }),
);

/** The one-time code an administrator issued for a first enrollment (`keeper-agent mfa issue`). Eager: the desktop's bridge reads its `.shape`. */
export const MfaEnrollBeginParams = z.object({ enrollmentCode: z.string().min(1).max(64) });

export const MfaEnrollConfirmParams = onFirstUse(() =>
  z.object({
    enrollmentId: z.string().min(1).max(100),
    code: MfaCode,
  }),
);

export const MfaEnrollConfirmResult = onFirstUse(() => z.object({ enrolled: z.literal(true) }));

export const MfaSession = onFirstUse(() =>
  z.object({
    /** The kind of action the session covers (e.g. a policy type); no re-prompt for it until expiresAt. */
    actionType: z.string(),
    expiresAt: z.iso.datetime(),
  }),
);

export const MfaStatusResult = onFirstUse(() =>
  z.object({
    enrolled: z.boolean(),
    /** Set while too many wrong codes block verification. */
    lockedUntil: z.iso.datetime().nullable(),
    sessions: z.array(MfaSession),
  }),
);

/**
 * `mfa.enroll.begin`: creates a new TOTP secret for the caller, pending until confirmed with a code.
 * Only from a verified desktop, and only with the enrollment code an administrator issued.
 */
export const MfaEnrollBegin = defineRequest('mfa.enroll.begin', MfaEnrollBeginParams, MfaEnrollBeginResult);
/** `mfa.enroll.confirm`: proves the authenticator app holds the secret; only then is the caller enrolled. */
export const MfaEnrollConfirm = defineRequest('mfa.enroll.confirm', MfaEnrollConfirmParams, MfaEnrollConfirmResult);
/** `mfa.status`: whether the caller is enrolled, locked out, and which MFA sessions are open. */
export const MfaStatus = defineRequest('mfa.status', NoParams, MfaStatusResult);

export type MfaEnrollBeginResult = z.infer<typeof MfaEnrollBeginResult>;
export type MfaEnrollBeginParams = z.infer<typeof MfaEnrollBeginParams>;
export type MfaEnrollConfirmParams = z.infer<typeof MfaEnrollConfirmParams>;
export type MfaEnrollConfirmResult = z.infer<typeof MfaEnrollConfirmResult>;
export type MfaSession = z.infer<typeof MfaSession>;
export type MfaStatusResult = z.infer<typeof MfaStatusResult>;
