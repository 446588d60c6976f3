import { BehaviorSubject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { WINDOW_IDS, WINDOW_SERVICES } from '../../../../shared/bridge/src/common/windows.ts';
import { createDesktopApp } from './desktopApp.ts';

describe('desktop composition root', () => {
  const desktop = createDesktopApp({ socketPath: '/nonexistent/agent.sock', version: '0.0.0' });
  const presented = new BehaviorSubject(true);

  it('binds every service of every window, and a window reaches only its own', () => {
    for (const id of WINDOW_IDS) {
      expect(desktop.dispatcherFor(id, presented).channels, id).toEqual(WINDOW_SERVICES[id].map((service) => service.channel));
    }
    expect(desktop.dispatcherFor('keeper-mfa', presented).channels).toEqual(['keeper.prompts.mfa', 'keeper.mfaEnrollment']);
    expect(desktop.dispatcherFor('keeper-approval', presented).channels).toEqual(['keeper.prompts.operatorApproval']);
  });

  it('a prompt window cannot answer a prompt it does not hold', async () => {
    await expect(
      desktop.dispatcherFor('keeper-message', presented).call('keeper.prompts.message', 'respond', ['p-1', { kind: 'message', acknowledged: true }]),
    ).rejects.toThrow('no open message prompt p-1');
    await expect(
      desktop.dispatcherFor('keeper-message', presented).call('keeper.prompts.mfa', 'respond', ['p-1', { kind: 'mfa', code: '123456' }]),
    ).rejects.toThrow('not available to this window');
  });
});
