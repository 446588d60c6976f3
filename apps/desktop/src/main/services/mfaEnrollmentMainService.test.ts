import { describe, expect, it } from 'vitest';
import { AgentError, AgentErrorCodes, JsonRpcErrorCodes, type MfaEnrollBeginResult } from '../../../../../shared/protocol/src/common/index.ts';
import type { AgentLink } from '../agent/agentLink.ts';
import { enrollmentProblem, mfaEnrollmentMainService } from './mfaEnrollmentMainService.ts';

const started: MfaEnrollBeginResult = {
  enrollmentId: 'e-1',
  otpauthUri: 'otpauth://totp/Keeper:root@vm?secret=JBSWY3DPEHPK3PXP&issuer=Keeper',
  secret: 'JBSWY3DPEHPK3PXP',
  qrPngDataUrl: 'data:image/png;base64,AAAA',
  issuer: 'Keeper',
  account: 'root@vm',
  expiresAt: new Date(0).toISOString(),
};

/** An agent link that answers every request with `answer` and records what it was asked. */
function fakeLink(answer: () => Promise<unknown>) {
  const calls: Array<{ method: string; params: unknown }> = [];
  const link = {
    request: (descriptor: { method: string }, params: unknown) => {
      calls.push({ method: descriptor.method, params });
      return answer();
    },
  } as unknown as AgentLink;
  return { link, calls };
}

describe('MFA enrollment for the MFA window (main side)', () => {
  it('forwards begin and confirm to the agent', async () => {
    const { link, calls } = fakeLink(() => Promise.resolve(calls.length === 1 ? started : { enrolled: true }));
    const service = mfaEnrollmentMainService(link);
    expect(await service.begin('ABCD-EFGH-JKMN')).toEqual({ ok: true, enrollment: started });
    expect(await service.confirm('e-1', '123456')).toEqual({ ok: true });
    expect(calls).toEqual([
      { method: 'mfa.enroll.begin', params: { enrollmentCode: 'ABCD-EFGH-JKMN' } },
      { method: 'mfa.enroll.confirm', params: { enrollmentId: 'e-1', code: '123456' } },
    ]);
  });

  it('turns the agent’s refusals into reasons the window translates', async () => {
    const refusing = (error: Error) => mfaEnrollmentMainService(fakeLink(() => Promise.reject(error)).link);
    const wrongCode = new AgentError(AgentErrorCodes.Unauthorized, 'the code does not match', { reason: 'invalid-code' });
    expect(await refusing(wrongCode).confirm('e-1', '000000')).toEqual({ ok: false, reason: 'invalid-code' });
    expect(await refusing(new AgentError(AgentErrorCodes.Conflict, 'already set up')).begin('ABCD-EFGH-JKMN')).toEqual({
      ok: false,
      reason: 'already-enrolled',
    });
    const wrongEnrollmentCode = new AgentError(AgentErrorCodes.Unauthorized, 'the enrollment code is not valid', { reason: 'invalid-enrollment-code' });
    expect(await refusing(wrongEnrollmentCode).begin('ABCD-EFGH-JKMN')).toEqual({ ok: false, reason: 'invalid-enrollment-code' });
    const unverified = new AgentError(AgentErrorCodes.Unauthorized, 'not a verified desktop', {
      reasonDetail: { code: 'desktop-unverified', values: { user: 'ana' } },
    });
    expect(enrollmentProblem(unverified)).toBe('not-desktop');
    expect(enrollmentProblem(new AgentError(AgentErrorCodes.Expired, 'expired'))).toBe('expired');
    expect(enrollmentProblem(new AgentError(AgentErrorCodes.NotFound, 'no such enrollment'))).toBe('expired');
    expect(enrollmentProblem(new AgentError(AgentErrorCodes.Unauthorized, 'no peer credentials'))).toBe('unavailable');
    expect(enrollmentProblem(new AgentError(JsonRpcErrorCodes.InternalError, 'the Keeper agent is not connected'))).toBe('unavailable');
    expect(enrollmentProblem(new Error('socket closed'))).toBe('unavailable');
  });
});
