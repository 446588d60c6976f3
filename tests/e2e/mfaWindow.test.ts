import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditBothThemes, saveScreenshot } from '../support/browser.ts';
import { issueEnrollmentCode } from '../support/enrollmentCode.ts';
import { eventually, startPromptWindowHarness, type ElevateOutcome, type PromptWindowHarness } from '../support/promptWindowHarness.ts';
import { codeAt } from '../support/totp.ts';
import { connectClient } from '../support/agentProcess.ts';
import { MfaEnrollBegin, MfaEnrollConfirm } from '../../shared/protocol/src/common/index.ts';

/** The TOTP code for `offsetSeconds` from now (the agent accepts one 30 s step either way). */

const mfaPolicy = (id: string, type: string) => ({
  PolicyName: `Second factor for ${type}`,
  PolicyId: id,
  PolicyType: type,
  Status: 'enforce',
  ApplicationCheck: ['col-true'],
  Actions: { OnSuccess: { Controls: ['MFA'] } },
});

const focusedTestId = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute('data-testid'));

describe('KeeperMFA: enrollment and code entry in Chromium through the web shell, against a real agent', () => {
  let harness: PromptWindowHarness;
  let secret = '';
  /** A code the agent has already accepted (replaying it must be refused). */
  let usedCode = '';
  let spent = '';

  /** Asks for elevation from the CLI and opens the prompt while root has no authenticator yet. */
  const askUnenrolled = async (): Promise<{ run: Promise<ElevateOutcome>; page: Page }> => {
    const run = harness.elevate(['true']);
    const page = await harness.openWindow();
    await page.getByLabel('Enrollment code from your administrator').waitFor();
    return { run, page };
  };

  /** Root's authenticator: set up by the enrollment test when it ran, else here through the protocol. */
  const enrolled = async () => {
    if (secret) return;
    const desktop = await connectClient(harness.socket, 'desktop');
    try {
      const enrollment = await desktop.request(MfaEnrollBegin, { enrollmentCode: await issueEnrollmentCode(harness.dataDir, 'root') });
      secret = enrollment.secret;
      usedCode = await codeAt(secret, 0);
      await desktop.request(MfaEnrollConfirm, { enrollmentId: enrollment.enrollmentId, code: usedCode });
    } finally {
      desktop.close();
    }
  };

  beforeAll(async () => {
    harness = await startPromptWindowHarness({
      window: 'keeper-mfa',
      viewport: { width: 560, height: 720 },
      files: {
        'collections.json': { Collections: [{ CollectionId: 'col-true', Type: 'Application', Members: [{ Path: '/usr/bin/true' }] }] },
        'mfa.json': [mfaPolicy('pol-mfa', 'PrivilegeElevation'), mfaPolicy('pol-mfa-cli', 'CommandLine')],
      },
      // Retries within one prompt are an administrator's choice (the default ends the request: below).
      config: { mfa: { codeAttemptsPerPrompt: 10 } },
    });
  });

  afterAll(() => harness?.stop());

  it('asks for the administrator’s enrollment code first, and refuses a wrong one', async () => {
    const { run, page } = await askUnenrolled();
    expect(await focusedTestId(page)).toBe('enrollment-code');
    expect(await page.getByTestId('enroll-secret').count()).toBe(0);
    expect(await auditBothThemes(page, 'keeper-mfa-enrollment-code')).toEqual([]);
    // Keyboard only: type, Enter sends.
    await page.keyboard.type('ABCD-EFGH-JKMN');
    await page.keyboard.press('Enter');
    await eventually(() => page.getByTestId('enrollment-code-problem').textContent()).toBe(
      'That enrollment code is not valid or has expired. Check it, or ask your administrator for a new one.',
    );
    expect(await focusedTestId(page)).toBe('enrollment-code');
    await page.keyboard.press('Escape');
    expect((await run).code).not.toBe(0);
  });

  it('sets up the authenticator app from the QR code page, refuses a wrong code with the retries left, then allows', async () => {
    const { run, page } = await askUnenrolled();
    const code = await issueEnrollmentCode(harness.dataDir, 'root');
    await page.getByTestId('enrollment-code').fill(code.toLowerCase());
    await page.keyboard.press('Enter');
    const secretText = page.getByTestId('enroll-secret');
    await secretText.waitFor();
    secret = (await secretText.textContent())!.replace(/\s/g, '');
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    expect(await secretText.textContent()).toMatch(/^([A-Z2-7]{4} )+[A-Z2-7]{1,4}$/);
    const qr = page.getByRole('img', { name: /^QR code that adds .+ to an authenticator app$/ });
    expect(await qr.getAttribute('src')).toMatch(/^data:image\/png;base64,/);
    expect(await qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);

    const confirmField = page.getByLabel('Code from the app, to confirm the setup');
    expect(await confirmField.evaluate((input: HTMLInputElement) => [input.inputMode, input.autocomplete, input.pattern])).toEqual([
      'numeric',
      'one-time-code',
      '[0-9]{6}',
    ]);
    expect(await focusedTestId(page)).toBe('code');
    expect(await page.getByTestId('expires-in').textContent()).toMatch(/^Expires in [45]:\d\d$/);
    expect(await auditBothThemes(page, 'keeper-mfa')).toEqual([]);

    // Six digits send themselves.
    spent = await codeAt(secret, 0);
    await page.keyboard.type(spent);
    await page.getByTestId('enrolled-note').waitFor();
    expect(await page.getByTestId('enrolled-note').textContent()).toContain('cannot be used again: wait for the next code');
    expect(await page.getByText('You will not be asked again for 5 minutes for this kind of action.').count()).toBe(1);
    expect(await focusedTestId(page)).toBe('code');

    await page.keyboard.type('000000');
    await eventually(() => page.getByTestId('problem').textContent()).toBe('That code is not valid. 4 attempts left.');
    expect(await page.getByTestId('code').inputValue()).toBe('');
    expect(await focusedTestId(page)).toBe('code');
    expect(await auditBothThemes(page, 'keeper-mfa-code')).toEqual([]);

    // The confirming code is spent: the next step's code, pasted with a space as apps show it.
    const next = await codeAt(secret, 30);
    usedCode = next;
    await page.keyboard.insertText(`${next.slice(0, 3)} ${next.slice(3)}`);
    await eventually(() => page.getByTestId('nothing-pending').textContent()).toBe('Verified. You can close this window.');
    expect(await run).toEqual({ code: 0, stdout: '', stderr: 'keeper-elevate: Enter your MFA code in the Keeper window…\n' });
  });

  it('says a used code was replayed, locks after five wrong codes and says until when; Escape denies', async () => {
    await enrolled();
    const result = await harness.request({ executable: '/usr/bin/true', arguments: [], cwd: '/', policyType: 'CommandLine' });
    const page = await harness.openWindow();
    await page.getByTestId('code').waitFor();
    expect(await page.getByTestId('enroll-secret').count()).toBe(0);
    expect(await page.getByLabel('6-digit code from your authenticator app').count()).toBe(1);

    // The very code already spent (recomputing it from the clock could name the next step's).
    await page.keyboard.type(usedCode);
    await eventually(() => page.getByTestId('problem').textContent()).toBe('That code was already used. Wait for the next code in your app, then enter it.');
    for (const left of [4, 3, 2, 1]) {
      await page.keyboard.type('000000');
      await eventually(() => page.getByTestId('problem').textContent()).toBe(`That code is not valid. ${left} attempt${left === 1 ? '' : 's'} left.`);
    }
    await page.keyboard.type('000000');
    await eventually(() => page.getByTestId('problem').textContent()).toMatch(/^Too many wrong codes\. You can try again at \d{1,2}:\d\d:\d\d\s[AP]M\.$/);
    expect(await page.getByTestId('code').isDisabled()).toBe(true);
    await saveScreenshot(page, 'keeper-mfa-locked-light');

    await page.keyboard.press('Escape');
    expect(await harness.finalState(result.requestId)).toMatchObject({ state: 'denied', reason: 'The MFA prompt was cancelled.' });
  });
});

describe('KeeperMFA with the default settings: a wrong code ends the request', () => {
  let harness: PromptWindowHarness;

  beforeAll(async () => {
    harness = await startPromptWindowHarness({
      window: 'keeper-mfa',
      viewport: { width: 560, height: 720 },
      files: {
        'collections.json': { Collections: [{ CollectionId: 'col-true', Type: 'Application', Members: [{ Path: '/usr/bin/true' }] }] },
        'mfa.json': [mfaPolicy('pol-mfa', 'PrivilegeElevation')],
      },
    });
    const desktop = await connectClient(harness.socket, 'desktop');
    try {
      const enrollment = await desktop.request(MfaEnrollBegin, { enrollmentCode: await issueEnrollmentCode(harness.dataDir, 'root') });
      await desktop.request(MfaEnrollConfirm, { enrollmentId: enrollment.enrollmentId, code: await codeAt(enrollment.secret, 0) });
    } finally {
      desktop.close();
    }
  });

  afterAll(() => harness?.stop());

  it('closes the prompt on the first wrong code, says why instead of "nothing pending", and the requester learns why', async () => {
    const run = harness.elevate(['true']);
    const page = await harness.openWindow();
    await page.getByTestId('code').waitFor();
    await page.keyboard.type('000000');
    const reason = page.getByTestId('ended-reason');
    await reason.waitFor();
    expect(await reason.getAttribute('data-reason')).toBe('mfa-code-invalid');
    expect(await reason.textContent()).toBe('The MFA code was not valid, so the action is blocked. Ask again to enter a new code.');
    expect(await page.getByTestId('nothing-pending').count()).toBe(0);
    expect(await auditBothThemes(page, 'keeper-mfa-request-ended')).toEqual([]);
    const outcome = await run;
    expect(outcome.code).not.toBe(0);
    expect(outcome.stderr).toContain('The MFA code was not valid, so the action is blocked. Ask again to enter a new code.');
  });

  it('words the refusal in the window’s language (lng=de)', async () => {
    const run = harness.elevate(['true']);
    const page = await harness.openWindow({ lng: 'de' });
    await page.getByTestId('code').waitFor();
    await page.keyboard.type('000000');
    await eventually(() => page.getByTestId('ended-reason').textContent()).toBe(
      'Der MFA-Code war ungültig, daher wurde die Aktion blockiert. Fordern Sie sie erneut an, um einen neuen Code einzugeben.',
    );
    expect((await run).code).not.toBe(0);
  });
});
