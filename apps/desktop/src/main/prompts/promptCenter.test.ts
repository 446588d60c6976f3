import { describe, expect, it } from 'vitest';
import type { PromptQueueView } from '../../../../../shared/bridge/src/common/services/prompts.ts';
import { fakeAgentLink as fakeAgent, promptShow as prompt } from '../../../../../tests/support/fakeAgentLink.ts';
import { PromptCenter } from './promptCenter.ts';

describe('PromptCenter', () => {
  it('opens a kind’s window on its first prompt and closes it when the last one closes', () => {
    const agent = fakeAgent();
    const events: string[] = [];
    const center = new PromptCenter(
      agent.link,
      (kind) => events.push(`open ${kind}`),
      (kind) => events.push(`close ${kind}`),
    );
    const views: PromptQueueView[] = [];
    center.queue$('message').subscribe((view) => views.push(view));
    agent.push('prompt.show', prompt('a', 'message'));
    agent.push('prompt.show', prompt('a', 'message'));
    agent.push('prompt.show', prompt('b', 'message'));
    agent.push('prompt.show', prompt('c', 'mfa'));
    expect(events).toEqual(['open message', 'open mfa']);
    expect(views.at(-1)).toMatchObject({ current: { promptId: 'a' }, waiting: 1 });
    agent.push('prompt.closed', { promptId: 'a', reason: 'answered' });
    agent.push('prompt.closed', { promptId: 'b', reason: 'expired' });
    expect(events).toEqual(['open message', 'open mfa', 'close message']);
  });

  it('closing a window cancels its current prompt, and opens it again for the next one waiting', () => {
    const agent = fakeAgent();
    const events: string[] = [];
    const center = new PromptCenter(
      agent.link,
      (kind) => events.push(`open ${kind}`),
      (kind) => events.push(`close ${kind}`),
    );
    agent.push('prompt.show', prompt('a', 'operatorApproval'));
    agent.push('prompt.show', prompt('b', 'operatorApproval'));
    center.cancelCurrent('operatorApproval');
    expect(agent.requests).toEqual([{ method: 'prompt.respond', params: { promptId: 'a', response: { kind: 'cancel' } } }]);
    expect(events).toEqual(['open operatorApproval', 'open operatorApproval']);
    center.cancelCurrent('operatorApproval');
    expect(events).toEqual(['open operatorApproval', 'open operatorApproval', 'close operatorApproval']);
    center.cancelCurrent('operatorApproval');
    expect(agent.requests).toHaveLength(2);
  });

  it('a re-sent prompt with new content replaces the stored one in place and is published again; an identical re-send is not', () => {
    const agent = fakeAgent();
    const events: string[] = [];
    const center = new PromptCenter(
      agent.link,
      (kind) => events.push(`open ${kind}`),
      (kind) => events.push(`close ${kind}`),
    );
    const views: PromptQueueView[] = [];
    center.queue$('approval').subscribe((view) => views.push(view));
    const pending = { ...prompt('a', 'approval'), control: 'APPROVAL' as const };
    const details = {
      approvalId: 'ap1',
      justification: 'why',
      sentTo: { users: ['root'], groups: [] },
      escalatedAt: null,
      expiresAt: new Date(60_000).toISOString(),
      nextStep: 'escalate' as const,
      decisionReason: null,
    };
    agent.push('prompt.show', { ...pending, approval: { ...details, status: 'Pending' } });
    agent.push('prompt.show', prompt('b', 'approval'));
    const published = views.length;
    agent.push('prompt.show', { ...pending, approval: { ...details, status: 'Pending' } });
    expect(views).toHaveLength(published);
    agent.push('prompt.show', {
      ...pending,
      expiresAt: new Date(120_000).toISOString(),
      approval: { ...details, status: 'Escalated', escalatedAt: new Date(30_000).toISOString() },
    });
    expect(views).toHaveLength(published + 1);
    expect(views.at(-1)).toMatchObject({
      current: { promptId: 'a', expiresAt: new Date(120_000).toISOString(), approval: { status: 'Escalated' } },
      waiting: 1,
    });
    expect(events).toEqual(['open approval']);
    // Content for another kind under a known id is not taken.
    agent.push('prompt.show', { ...prompt('a', 'message') });
    expect(views).toHaveLength(published + 1);
  });

  it('puts a request still waiting for approval before the notice of one already decided', () => {
    const agent = fakeAgent();
    const center = new PromptCenter(
      agent.link,
      () => {},
      () => {},
    );
    const views: PromptQueueView[] = [];
    center.queue$('approval').subscribe((view) => views.push(view));
    const details = {
      justification: 'why',
      sentTo: { users: ['root'], groups: [] },
      escalatedAt: null,
      expiresAt: new Date(60_000).toISOString(),
      nextStep: 'escalate' as const,
      decisionReason: null,
    };
    const decision = { by: { uid: 0, name: 'root' }, at: new Date(10_000).toISOString(), reason: null, usableUntil: new Date(90_000).toISOString() };
    agent.push('prompt.show', {
      ...prompt('decided', 'approval'),
      control: 'APPROVAL',
      approval: { ...details, approvalId: 'ap1', status: 'Approved', decision },
    });
    expect(views.at(-1)).toMatchObject({ current: { promptId: 'decided' }, waiting: 0 });
    agent.push('prompt.show', { ...prompt('waiting', 'approval'), control: 'APPROVAL', approval: { ...details, approvalId: 'ap2', status: 'Pending' } });
    expect(views.at(-1)).toMatchObject({ current: { promptId: 'waiting' }, waiting: 1 });
    agent.push('prompt.closed', { promptId: 'waiting', reason: 'answered' });
    expect(views.at(-1)).toMatchObject({ current: { promptId: 'decided' }, waiting: 0 });
  });
});
