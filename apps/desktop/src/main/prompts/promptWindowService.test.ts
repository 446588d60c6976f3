import { BehaviorSubject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { PromptQueueView } from '../../../../../shared/bridge/src/common/services/prompts.ts';
import { fakeAgentLink, promptShow } from '../../../../../tests/support/fakeAgentLink.ts';
import { PromptCenter } from './promptCenter.ts';
import { promptWindowService } from './promptWindowService.ts';

describe('a prompt window page’s service', () => {
  const setup = () => {
    const agent = fakeAgentLink();
    const center = new PromptCenter(
      agent.link,
      () => {},
      () => {},
    );
    const presence = new BehaviorSubject(false);
    const service = promptWindowService(center, 'justification', presence);
    const views: PromptQueueView[] = [];
    service.queue$().subscribe({ next: (view) => views.push(view), error: () => {}, complete: () => {} });
    return { agent, presence, service, views };
  };

  it('shows a pre-warmed spare nothing and lets it answer nothing until it is presented', async () => {
    const { agent, presence, service, views } = setup();
    agent.push('prompt.show', promptShow('a', 'justification'));
    expect(views).toEqual([{ current: null, waiting: 0 }]);
    await expect(service.respond('a', { kind: 'cancel' })).rejects.toThrow('not presented');
    expect(agent.requests).toEqual([]);

    presence.next(true);
    expect(views.at(-1)).toMatchObject({ current: { promptId: 'a' }, waiting: 0 });
    await expect(service.respond('a', { kind: 'cancel' })).resolves.toEqual({ accepted: true });
    expect(agent.requests).toEqual([{ method: 'prompt.respond', params: { promptId: 'a', response: { kind: 'cancel' } } }]);
  });

  it('once no longer presented (closed), sees no prompt again, neither the old one nor a new one', async () => {
    const { agent, presence, service, views } = setup();
    presence.next(true);
    agent.push('prompt.show', promptShow('a', 'justification'));
    presence.next(false);
    presence.complete();
    agent.push('prompt.show', promptShow('b', 'justification'));
    expect(views.at(-1)).toEqual({ current: null, waiting: 0 });
    expect(views.filter((view) => view.current?.promptId === 'b')).toEqual([]);
    await expect(service.respond('b', { kind: 'cancel' })).rejects.toThrow('not presented');
  });
});
