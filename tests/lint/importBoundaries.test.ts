import { resolve } from 'node:path';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

/**
 * The import rules of docs/architecture.md ("a renderer never touches Node, sockets or another app",
 * "the agent never imports React or Electron", …) are lint rules in eslint.config.js. These tests prove
 * that each rule bites: probe files are linted as virtual files at real paths, with the project's
 * own config. Probes are in no tsconfig, so type information is switched off and only the
 * boundaries rules run (they need none); that also keeps the whole file at a couple of seconds.
 */
const projectDir = resolve(import.meta.dirname, '../..');

const eslint = new ESLint({
  cwd: projectDir,
  overrideConfig: tseslint.configs.disableTypeChecked as Linter.Config,
  ruleFilter: ({ ruleId }) => ruleId.startsWith('boundaries/'),
});

interface Finding {
  readonly line: number;
  readonly ruleId: string | null;
  readonly message: string;
}

async function lintProbe(filePath: string, code: string): Promise<Finding[]> {
  const [result] = await eslint.lintText(code, { filePath: resolve(projectDir, filePath) });
  if (!result) throw new Error(`no lint result for ${filePath}`);
  // A parse error or an ignored path would hide every boundary violation, so neither may happen.
  expect(result.fatalErrorCount, JSON.stringify(result.messages)).toBe(0);
  expect(result.messages.filter((m) => m.ruleId === null)).toEqual([]);
  return result.messages.map(({ line, ruleId, message }) => ({ line, ruleId, message }));
}

/** Each statement is probed on its own, so a finding can't come from a neighbour. */
async function expectBlocked(filePath: string, ...statements: string[]): Promise<void> {
  for (const statement of statements) {
    const findings = await lintProbe(filePath, `${statement}\n`);
    expect(findings, `${filePath}: ${statement}`).toEqual([expect.objectContaining({ line: 1, ruleId: 'boundaries/dependencies' })]);
  }
}

async function expectAllowed(filePath: string, ...statements: string[]): Promise<void> {
  const findings = await lintProbe(filePath, statements.map((s) => `${s}\n`).join(''));
  expect(findings, filePath).toEqual([]);
}

const RENDERER = 'apps/keeper-agent/src/renderer/Probe.tsx';
const AGENT = 'apps/agent-service/src/Probe.ts';
const FLEET_SERVER = 'apps/fleet-server/src/Probe.ts';
const DESKTOP_MAIN = 'apps/desktop/src/main/Probe.ts';
const PRELOAD = 'apps/desktop/src/preload/probe.ts';
const PROTOCOL_COMMON = 'shared/protocol/src/common/Probe.ts';
const BRIDGE_COMMON = 'shared/bridge/src/common/Probe.ts';

describe('import boundaries (eslint.config.js)', () => {
  describe('renderer code', () => {
    it('may not import Node builtins, Electron or the agent-side packages', async () => {
      await expectBlocked(
        RENDERER,
        "import { readFileSync } from 'node:fs';",
        "import path from 'path';",
        "import { ipcRenderer } from 'electron';",
        "import { WebSocketServer } from 'ws';",
        "import { createMessageConnection } from 'vscode-jsonrpc/node';",
        "import Database from 'better-sqlite3';",
        "import pino from 'pino';",
      );
    });

    it('may not import npm packages outside its allow-list', async () => {
      await expectBlocked(RENDERER, "import { Observable } from 'rxjs';", "import { createProxy } from 'electron-ipc-cat/client';");
    });

    it('may not import the agent, even for types, re-exports or a dynamic import', async () => {
      await expectBlocked(
        RENDERER,
        "import '../../../agent-service/src/main.ts';",
        "import type { AgentOptions } from '../../../agent-service/src/cli/options.ts';",
        "export { AGENT_VERSION } from '../../../agent-service/src/version.ts';",
        "export const load = () => import('../../../agent-service/src/version.ts');",
      );
    });

    it('may not import the main process, the preload, the bridge main side or protocol/node', async () => {
      await expectBlocked(
        RENDERER,
        "import { createDesktopApp } from '../../../desktop/src/main/desktopApp.ts';",
        "import '../../../desktop/src/preload/windowPreload.ts';",
        "import { ServiceDispatcher } from '../../../../shared/bridge/src/main/serviceDispatcher.ts';",
        "import { exposeServices } from '../../../../shared/bridge/src/preload/exposeServices.ts';",
        "import { defaultSocketPath } from '../../../../shared/protocol/src/node/socketPath.ts';",
      );
    });

    it('may not import another renderer app', async () => {
      await expectBlocked(
        'apps/keeper-approval/src/renderer/Probe.tsx',
        "import { App } from '../../../keeper-agent/src/renderer/App.tsx';",
        "import type { AgentWindowState } from '../../../keeper-agent/src/renderer/store.ts';",
      );
      await expectBlocked(
        'apps/keeper-network-connections/src/renderer/Probe.tsx',
        "import { App } from '../../../keeper-agent/src/renderer/App.tsx';",
        "import type { QuickElevateApi } from '../../../keeper-quick-elevate/src/renderer/store.ts';",
      );
      await expectBlocked(
        'apps/keeper-client/src/renderer/Probe.tsx',
        "import { readFileSync } from 'node:fs';",
        "import { TrayService } from '../../../desktop/src/main/tray/TrayService.ts';",
      );
    });

    it('holds for the shared renderer packages too', async () => {
      await expectBlocked('shared/ui/src/Probe.tsx', "import { readFileSync } from 'node:fs';", "import { app } from 'electron';");
      await expectBlocked('shared/i18n/src/Probe.ts', "import { readFileSync } from 'node:fs';");
      await expectBlocked('shared/bridge/src/renderer/Probe.ts', "import { ipcRenderer } from 'electron';", "import { WebSocket } from 'ws';");
    });

    it('may import shared/ui, shared/i18n, the bridge renderer side and protocol types', async () => {
      await expectAllowed(
        RENDERER,
        "import { StatusBadge } from '../../../../shared/ui/src/StatusBadge.tsx';",
        "import { createI18n } from '../../../../shared/i18n/src/createI18n.ts';",
        "import { connectBridge } from '../../../../shared/bridge/src/renderer/connectBridge.ts';",
        "import { AgentStatusService } from '../../../../shared/bridge/src/common/services/agentStatus.ts';",
        "import type { AgentStatus } from '../../../../shared/protocol/src/common/methods/agent.ts';",
        "import { useEffect } from 'react';",
        "import { createRoot } from 'react-dom/client';",
        "import { useTranslation } from 'react-i18next';",
        "import i18next from 'i18next';",
        "import { create } from 'zustand';",
        "import * as z from 'zod';",
        "import { App } from './App.tsx';",
      );
    });
  });

  describe('the agent', () => {
    it('may not import React, Electron or renderer/desktop code', async () => {
      await expectBlocked(
        AGENT,
        "import { useState } from 'react';",
        "import { renderToString } from 'react-dom/server';",
        "import { create } from 'zustand';",
        "import { app } from 'electron';",
        "import { StatusBadge } from '../../../shared/ui/src/StatusBadge.tsx';",
        "import { createI18n } from '../../../shared/i18n/src/createI18n.ts';",
        "import { AgentStatusService } from '../../../shared/bridge/src/common/services/agentStatus.ts';",
        "import { createDesktopApp } from '../../desktop/src/main/desktopApp.ts';",
        "import { App } from '../../keeper-agent/src/renderer/App.tsx';",
      );
    });

    it('may import the protocol (common and node), Node builtins and its own packages', async () => {
      await expectAllowed(
        AGENT,
        "import { AgentClient } from '../../../shared/protocol/src/node/agentClient.ts';",
        "import { AgentStatusRequest } from '../../../shared/protocol/src/common/index.ts';",
        "import net from 'node:net';",
        "import Database from 'better-sqlite3';",
        "import pino from 'pino';",
        "import { createMessageConnection } from 'vscode-jsonrpc/node';",
        "import { AGENT_VERSION } from './version.ts';",
      );
    });
  });

  describe('the fleet server', () => {
    it('may not import React, Electron, the desktop, renderers or the agent beyond its file formats', async () => {
      await expectBlocked(
        FLEET_SERVER,
        "import { useState } from 'react';",
        "import { app } from 'electron';",
        "import { StatusBadge } from '../../../shared/ui/src/StatusBadge.tsx';",
        "import { createDesktopApp } from '../../desktop/src/main/desktopApp.ts';",
        "import { App } from '../../keeper-agent/src/renderer/App.tsx';",
        "import { startAgent } from '../../agent-service/src/runtime/agentRuntime.ts';",
        "import { AgentClient } from '../../../shared/protocol/src/node/agentClient.ts';",
      );
    });

    it("may import protocol common, the agent's policy/job loaders and audit sinks, Node and its packages", async () => {
      await expectAllowed(
        FLEET_SERVER,
        "import { PolicyBundle } from '../../../shared/protocol/src/common/fleet.ts';",
        "import { loadPolicyDirectory } from '../../agent-service/src/policy/policyLoader.ts';",
        "import { loadJobDirectory } from '../../agent-service/src/jobs/jobLoader.ts';",
        "import { jsonLinesSink } from '../../agent-service/src/audit/auditSinks.ts';",
        "import pg from 'pg';",
        "import Fastify from 'fastify';",
        "import { constants } from 'node:crypto';",
      );
    });
  });

  describe('the desktop main process', () => {
    it('may not import React, shared/ui, renderer apps or the agent', async () => {
      await expectBlocked(
        DESKTOP_MAIN,
        "import { useState } from 'react';",
        "import { StatusBadge } from '../../../../shared/ui/src/StatusBadge.tsx';",
        "import { App } from '../../../keeper-agent/src/renderer/App.tsx';",
        "import { AGENT_VERSION } from '../../../agent-service/src/version.ts';",
        "import { connectBridge } from '../../../../shared/bridge/src/renderer/connectBridge.ts';",
      );
    });

    it('may import the protocol, the bridge main side, Electron and Node', async () => {
      await expectAllowed(
        DESKTOP_MAIN,
        "import { AgentClient } from '../../../../shared/protocol/src/node/agentClient.ts';",
        "import { ServiceDispatcher } from '../../../../shared/bridge/src/main/serviceDispatcher.ts';",
        "import { WINDOW_IDS } from '../../../../shared/bridge/src/common/windows.ts';",
        "import { app } from 'electron';",
        "import { join } from 'node:path';",
      );
      await expectAllowed('apps/desktop/src/launcher/Probe.ts', "import { createDesktopApp } from '../main/desktopApp.ts';");
    });
  });

  describe('no app imports another app (shared code lives in shared/)', () => {
    it('the desktop may not import the run-as CLIs, the agent or the fleet server', async () => {
      await expectBlocked(
        DESKTOP_MAIN,
        "import { parseCli } from '../../../run-as/src/cliArgs.ts';",
        "import type { Exit } from '../../../run-as/src/cliArgs.ts';",
        "import { startAgent } from '../../../agent-service/src/runtime/agentRuntime.ts';",
        "import { buildApp } from '../../../fleet-server/src/http/server.ts';",
      );
    });

    it('the CLIs and the agent may not import each other or the desktop', async () => {
      await expectBlocked(
        'apps/run-as/src/Probe.ts',
        "import { startAgent } from '../../agent-service/src/runtime/agentRuntime.ts';",
        "import { createDesktopApp } from '../../desktop/src/main/desktopApp.ts';",
      );
      await expectBlocked(AGENT, "import { parseCli } from '../../run-as/src/cliArgs.ts';");
    });

    it('both reach command resolution through shared/protocol (node side)', async () => {
      await expectAllowed(DESKTOP_MAIN, "import { resolveCommand } from '../../../../shared/protocol/src/node/resolveCommand.ts';");
      await expectAllowed('apps/run-as/src/Probe.ts', "import { resolveCommand } from '../../../shared/protocol/src/node/resolveCommand.ts';");
    });
  });

  describe('preloads', () => {
    it('may not import Node builtins, other packages or the protocol', async () => {
      await expectBlocked(
        PRELOAD,
        "import { readFileSync } from 'node:fs';",
        "import { WebSocket } from 'ws';",
        "import { useState } from 'react';",
        "import { registerProxy } from 'electron-ipc-cat/server';",
        "import { AgentStatus } from '../../../../shared/protocol/src/common/methods/agent.ts';",
      );
      await expectBlocked('shared/bridge/src/preload/Probe.ts', "import { readFileSync } from 'node:fs';");
    });

    it('may import the bridge preload/common sides, electron, electron-ipc-cat and rxjs', async () => {
      await expectAllowed(
        PRELOAD,
        "import { exposeServices } from '../../../../shared/bridge/src/preload/exposeServices.ts';",
        "import { WINDOW_SERVICES } from '../../../../shared/bridge/src/common/windows.ts';",
        "import { contextBridge } from 'electron';",
        "import { createProxy } from 'electron-ipc-cat/client';",
        "import { Observable } from 'rxjs';",
      );
    });
  });

  describe('runtime-neutral common code', () => {
    it('protocol common imports only zod', async () => {
      await expectBlocked(
        PROTOCOL_COMMON,
        "import net from 'node:net';",
        "import { defaultSocketPath } from '../node/socketPath.ts';",
        "import { AgentStatusService } from '../../../bridge/src/common/services/agentStatus.ts';",
        "import { WebSocket } from 'ws';",
      );
      await expectAllowed(PROTOCOL_COMMON, "import * as z from 'zod';", "import { defineRequest } from './method.ts';");
    });

    it('bridge common imports only protocol common, zod and electron-ipc-cat/common', async () => {
      await expectBlocked(
        BRIDGE_COMMON,
        "import { EventEmitter } from 'node:events';",
        "import { ipcMain } from 'electron';",
        "import { defaultSocketPath } from '../../../protocol/src/node/socketPath.ts';",
        "import { StatusBadge } from '../../../ui/src/StatusBadge.tsx';",
      );
      await expectAllowed(
        BRIDGE_COMMON,
        "import { AgentStatus } from '../../../protocol/src/common/methods/agent.ts';",
        "import * as z from 'zod';",
        "import { ProxyPropertyType } from 'electron-ipc-cat/common';",
      );
    });
  });

  describe('tests, tooling and unclassified files', () => {
    it('lets tests and config files import anything', async () => {
      const anything = ["import { readFileSync } from 'node:fs';", "import { useState } from 'react';", "import { app } from 'electron';"];
      await expectAllowed('tests/integration/Probe.test.ts', ...anything);
      await expectAllowed('apps/keeper-agent/src/renderer/Probe.test.tsx', ...anything);
      await expectAllowed('vite.probe.config.ts', ...anything);
    });

    it('reports a file in a folder that names no runtime', async () => {
      const findings = await lintProbe('apps/keeper-agent/src/helpers/Probe.ts', 'export const x = 1;\n');
      expect(findings).toEqual([expect.objectContaining({ ruleId: 'boundaries/no-unknown-files' })]);
    });
  });

  it('finds no boundary violation in the real apps/ and shared/ trees', async () => {
    const results = await eslint.lintFiles(['apps', 'shared']);
    expect(results.length).toBeGreaterThan(0);
    const violations = results.flatMap((r) => r.messages.map((m) => `${r.filePath}:${m.line} ${m.message}`));
    expect(violations).toEqual([]);
  });
});
