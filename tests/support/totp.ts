import { generate } from 'otplib';

/** The TOTP code of `secret` at now + `offsetSeconds` (30 s is the next step: a code not yet spent). */
export const codeAt = (secret: string, offsetSeconds: number) => generate({ secret, epoch: Math.floor(Date.now() / 1000) + offsetSeconds });
