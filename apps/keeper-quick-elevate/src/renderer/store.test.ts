import { beforeEach, describe, expect, it } from 'vitest';
import type { QuickElevatePreview } from '../../../../shared/bridge/src/common/services/quickElevate.ts';
import { quickElevateActions, useQuickElevate, type QuickElevateApi } from './store.ts';

const INITIAL = useQuickElevate.getState();

describe('quick-elevate store', () => {
  beforeEach(() => useQuickElevate.setState(INITIAL, true));

  it('a check asked for before the bridge is up runs once it connects, for the command as typed then', async () => {
    const asked: string[] = [];
    const result = { ok: false, problem: 'not-found' } as unknown as QuickElevatePreview;
    const api: QuickElevateApi = {
      preview: (text) => (asked.push(text), Promise.resolve(result)),
      submit: () => Promise.reject(new Error('not used')),
    };
    quickElevateActions.setCommand('id -u');
    await quickElevateActions.preview();
    expect(asked).toEqual([]);
    quickElevateActions.connected(api);
    await expect.poll(() => useQuickElevate.getState().preview).toEqual({ command: 'id -u', result });
    expect(asked).toEqual(['id -u']);
    expect(useQuickElevate.getState().previewOnConnect).toBeNull();
  });

  it('a check of a chosen application asked for before the bridge is up checks that application, not the field', async () => {
    const asked: string[] = [];
    quickElevateActions.setCommand('typed in the field');
    await quickElevateActions.preview('/usr/bin/id -u');
    quickElevateActions.connected({
      preview: (text) => (asked.push(text), Promise.resolve({ ok: false, problem: 'not-found' } as unknown as QuickElevatePreview)),
      submit: () => Promise.reject(new Error('not used')),
    });
    await expect.poll(() => asked).toEqual(['/usr/bin/id -u']);
  });

  it('an empty command asks for nothing before the bridge is up', async () => {
    await quickElevateActions.preview();
    expect(useQuickElevate.getState().previewOnConnect).toBeNull();
  });
});
