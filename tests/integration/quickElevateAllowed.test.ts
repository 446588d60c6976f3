import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { filter, firstValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentLink } from '../../apps/desktop/src/main/agent/agentLink.ts';
import { AllowedApplicationsCache } from '../../apps/desktop/src/main/quickElevate/allowedApplications.ts';
import { installedApplications } from '../../apps/desktop/src/main/quickElevate/installedApplications.ts';
import { quickElevateExplainer } from '../../apps/desktop/src/main/quickElevate/quickElevateMainService.ts';
import { policyAgentSandbox } from '../support/policyAgent.ts';
import { appPolicy, writePolicyDir } from '../support/policyFixtures.ts';

const names = async (cache: AllowedApplicationsCache) => (await firstValueFrom(cache.list$)).allowed.map((choice) => choice.name);

describe('quick-elevate’s allowed applications, kept per policy load of the real agent', () => {
  const sandbox = policyAgentSandbox();
  const apps = join(sandbox.dir, 'applications');
  let link: AgentLink;
  let cache: AllowedApplicationsCache;
  const asked: string[] = [];
  const logged: string[] = [];
  const loadedAt = () => link.current.status?.policies.loadedAt ?? null;

  beforeAll(async () => {
    mkdirSync(apps);
    writeFileSync(join(apps, 'identity.desktop'), '[Desktop Entry]\nType=Application\nName=Identity\nExec=id -u\n');
    writeFileSync(join(apps, 'whoami.desktop'), '[Desktop Entry]\nType=Application\nName=Who am I\nExec=whoami\n');
    await sandbox.start({ apps: { 'col-id': '/usr/bin/id' }, policies: [appPolicy('pol-id', 'col-id', ['JUSTIFY'])] });
    link = new AgentLink({ socketPath: sandbox.socket, clientVersion: 'test' });
    link.start();
    await firstValueFrom(link.status$.pipe(filter((view) => view.connection === 'connected')));
    const explain = quickElevateExplainer(link, '/');
    cache = new AllowedApplicationsCache({
      candidates: () => installedApplications([apps], { PATH: '/usr/bin:/bin' }),
      explain: (choice) => {
        asked.push(choice.name);
        return explain(choice);
      },
      policiesLoadedAt: loadedAt,
      log: (shown, raw) => logged.push(`${shown.code}: ${raw}`),
    });
  });

  afterAll(async () => {
    link?.stop();
    await sandbox.dispose();
  });

  it('asks the agent about each installed application once per policy load', async () => {
    await cache.refresh();
    expect(await names(cache)).toEqual(['Identity']);
    expect(asked.splice(0)).toEqual(['Identity', 'Who am I']);
    await cache.refresh();
    expect(asked).toEqual([]);
    expect(await names(cache)).toEqual(['Identity']);
  });

  it('asks again when the installed applications change', async () => {
    writeFileSync(join(apps, 'hostname.desktop'), '[Desktop Entry]\nType=Application\nName=Host name\nExec=hostname\n');
    await cache.refresh();
    expect(asked.splice(0).sort()).toEqual(['Host name', 'Identity', 'Who am I']);
  });

  it('asks again after the agent reloads its policies, and lists what they name now', async () => {
    const before = loadedAt();
    writePolicyDir(sandbox.policiesDir, { 'col-id': '/usr/bin/id', 'col-who': '/usr/bin/whoami' }, [
      appPolicy('pol-id', 'col-id', ['JUSTIFY']),
      appPolicy('pol-who', 'col-who', ['ALLOW']),
    ]);
    await expect.poll(loadedAt, { timeout: 10_000 }).not.toBe(before);
    await cache.refresh();
    expect(asked.splice(0)).toHaveLength(3);
    expect(await names(cache)).toEqual(['Identity', 'Who am I']);
  });

  it('keeps showing the last list while the agent is gone, without asking it', async () => {
    await sandbox.agent.kill();
    await expect.poll(() => link.current.connection).toBe('disconnected');
    await cache.refresh();
    expect(asked).toEqual([]);
    expect(await names(cache)).toEqual(['Identity', 'Who am I']);
    expect(logged).toEqual([]);
  });
});
