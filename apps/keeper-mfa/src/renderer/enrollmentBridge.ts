import { MfaEnrollmentService } from '../../../../shared/bridge/src/common/services/mfaEnrollment.ts';
import type { BridgeTransport } from '../../../../shared/bridge/src/renderer/bridgeTransport.ts';
import { createServiceClient } from '../../../../shared/bridge/src/renderer/serviceClient.ts';
import { useMfaWindow } from './store.ts';

/** Loaded with the bridge, not at start: the enrollment service's schemas need zod. */
export function connectEnrollment(transport: BridgeTransport): void {
  useMfaWindow.getState().enrollmentConnected(createServiceClient(MfaEnrollmentService, transport));
}
