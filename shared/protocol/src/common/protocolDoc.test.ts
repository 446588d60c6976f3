import { describe, expect, it } from 'vitest';
import { checkProtocolDoc, renderGenerated, updateProtocolDoc } from '../../scripts/generateProtocolDoc.ts';
import * as protocol from './index.ts';

describe('docs/protocol.md', () => {
  it('has its generated part in sync with the zod declarations (fix: node shared/protocol/scripts/generateProtocolDoc.ts)', async () => {
    // The script's --check mode: regenerate from the files on disk and compare; a difference shows as a diff.
    const { current, expected } = await checkProtocolDoc();
    expect(current).toBe(expected);
  });

  it('documents every declared method and notification with its schemas', () => {
    const generated = renderGenerated({});
    const declared = (Object.values(protocol) as unknown[]).filter(
      (v): v is { kind: string; method: string } => typeof v === 'object' && v !== null && 'method' in v && 'kind' in v,
    );
    expect(declared.map((d) => d.method)).toEqual(expect.arrayContaining(['session.hello', 'agent.status', 'agent.statusChanged', 'elevation.request']));
    for (const { method } of declared) expect(generated).toContain(`#### ${method}\n`);
    // Refinements JSON Schema cannot express are still named.
    expect(generated).toContain('Also checked: an absolute path.');
  });

  it('refuses a document without its markers instead of guessing where the generated part goes', () => {
    expect(() => updateProtocolDoc('# no markers\n', {})).toThrow(/BEGIN GENERATED/);
  });
});
