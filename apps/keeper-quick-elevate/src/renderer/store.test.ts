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
    expect(useQuickElevate.getState().previewOnConnect).toBe(false);
  });

  it('an empty command asks for nothing, connected or not', async () => {
    await quickElevateActions.preview();
    expect(useQuickElevate.getState().previewOnConnect).toBe(false);
  });
});
