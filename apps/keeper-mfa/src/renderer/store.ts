import { create, type StateCreator } from 'zustand';
import type { ReasonDetail } from '../../../../shared/protocol/src/common/methods/elevation.ts';
import type { MfaEnrollBeginResult } from '../../../../shared/protocol/src/common/methods/mfa.ts';
import type { MfaEnrollmentConfirmed, MfaEnrollmentProblem, MfaEnrollmentService } from '../../../../shared/bridge/src/common/services/mfaEnrollment.ts';
import type { ServiceClient } from '../../../../shared/bridge/src/common/serviceDescriptor.ts';
import { createPromptSlice, type PromptSlice } from '../../../../shared/ui/src/promptStore.ts';

export type EnrollmentClient = ServiceClient<typeof MfaEnrollmentService>;

/** Where setting up the authenticator app stands in this window. */
export type Enrollment =
  | { readonly step: 'none' }
  /** Asking for the administrator's enrollment code; `problem` when the last one was refused. */
  | { readonly step: 'code'; readonly problem?: MfaEnrollmentProblem }
  | { readonly step: 'starting' }
  | { readonly step: 'scan'; readonly data: MfaEnrollBeginResult }
  | { readonly step: 'failed'; readonly reason: MfaEnrollmentProblem }
  /** Set up: `codeSpent` when it was confirmed here, so the next code is needed. */
  | { readonly step: 'done'; readonly codeSpent: boolean };

export interface EnrollmentSlice {
  enrollments: EnrollmentClient | null;
  enrollment: Enrollment;
  enrollmentConnected: (client: EnrollmentClient) => void;
  /** Back to asking for the enrollment code (to start again). */
  askEnrollmentCode: () => void;
  /** Asks the agent for a new secret with the administrator's enrollment code; does nothing while one is being fetched or shown. */
  beginEnrollment: (enrollmentCode: string) => Promise<void>;
  confirmEnrollment: (code: string) => Promise<MfaEnrollmentConfirmed>;
}

const createEnrollmentSlice: StateCreator<EnrollmentSlice> = (set, get) => ({
  enrollments: null,
  enrollment: { step: 'none' },
  enrollmentConnected: (enrollments) => set({ enrollments }),
  askEnrollmentCode: () => set({ enrollment: { step: 'code' } }),
  beginEnrollment: async (enrollmentCode) => {
    const { enrollments, enrollment } = get();
    if (!enrollments || enrollment.step === 'starting' || enrollment.step === 'scan') return;
    set({ enrollment: { step: 'starting' } });
    const started = await enrollments.begin(enrollmentCode).catch(() => ({ ok: false as const, reason: 'unavailable' as const }));
    if (started.ok) set({ enrollment: { step: 'scan', data: started.enrollment } });
    else if (started.reason === 'already-enrolled') set({ enrollment: { step: 'done', codeSpent: false } });
    else if (started.reason === 'invalid-enrollment-code') set({ enrollment: { step: 'code', problem: started.reason } });
    else set({ enrollment: { step: 'failed', reason: started.reason } });
  },
  confirmEnrollment: async (code) => {
    const { enrollments, enrollment } = get();
    if (!enrollments || enrollment.step !== 'scan') return { ok: false, reason: 'expired' };
    const confirmed = await enrollments.confirm(enrollment.data.enrollmentId, code).catch(() => ({ ok: false as const, reason: 'unavailable' as const }));
    if (confirmed.ok) set({ enrollment: { step: 'done', codeSpent: true } });
    else if (confirmed.reason === 'already-enrolled') set({ enrollment: { step: 'done', codeSpent: false } });
    else if (confirmed.reason === 'expired') set({ enrollment: { step: 'failed', reason: 'expired' } });
    return confirmed;
  },
});

/** The agent refused a code and ended the request with it: the reason stays up once the prompt is gone. */
export interface EndedRequest {
  /** The agent's English words, shown only when the detail is of a code this window does not know. */
  readonly reason: string;
  readonly detail: ReasonDetail;
}

export interface EndedSlice {
  ended: EndedRequest | null;
  setEnded: (ended: EndedRequest | null) => void;
}

const createEndedSlice: StateCreator<EndedSlice> = (set) => ({
  ended: null,
  setEnded: (ended) => set({ ended }),
});

export type MfaWindowState = PromptSlice & EnrollmentSlice & EndedSlice;

export const useMfaWindow = create<MfaWindowState>()((...a) => ({ ...createPromptSlice(...a), ...createEnrollmentSlice(...a), ...createEndedSlice(...a) }));
