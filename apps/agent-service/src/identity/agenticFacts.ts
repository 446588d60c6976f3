import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { resourcesDir } from '../cli/options.ts';
import { ancestry, namesOf, type ProcessFacts } from './processTree.ts';

export interface AgenticFacts {
  readonly parentProcess: string;
  readonly aiLikelihoodPercent: number;
}

const Signatures = z.object({
  signatures: z.array(z.object({ agent: z.string().min(1), names: z.array(z.string().min(1)).min(1), aiLikelihoodPercent: z.number().min(0).max(100) })),
});

type Signature = { readonly aiLikelihoodPercent: number; readonly names: ReadonlySet<string> };
let signatures: readonly Signature[] | null = null;

/**
 * Known AI agents by process name (resources/agentic/agentSignatures.json, shipped beside the default
 * policies), lower-cased; read once. A missing or malformed file is a broken install: it throws.
 */
function knownAgents(): readonly Signature[] {
  signatures ??= Signatures.parse(JSON.parse(readFileSync(join(resourcesDir, 'agentic', 'agentSignatures.json'), 'utf8'))).signatures.map((s) => ({
    aiLikelihoodPercent: s.aiLikelihoodPercent,
    names: new Set(s.names.map((n) => n.toLowerCase())),
  }));
  return signatures;
}

interface Match {
  readonly process: ProcessFacts;
  readonly name: string;
  readonly aiLikelihoodPercent: number;
}

function firstAgentAncestor(chain: readonly ProcessFacts[]): Match | null {
  for (const process of chain) {
    for (const name of namesOf(process)) {
      const signature = knownAgents().find((s) => s.names.has(name.toLowerCase()));
      if (signature) return { process, name, aiLikelihoodPercent: signature.aiLikelihoodPercent };
    }
  }
  return null;
}

/** How a process is named to policies (SubProcessCheck): its executable's path, else its command name. */
function describe(process: ProcessFacts, preferred?: string): string {
  if (preferred) {
    const path = [process.exe, ...process.argv].find((p) => p !== null && (p === preferred || p.endsWith(`/${preferred}`)));
    if (path) return path;
    return preferred;
  }
  return process.exe ?? process.comm;
}

/**
 * The agentic facts of a request, from the kernel: the requesting process (`pid`, from SO_PEERCRED)
 * and its ancestors as /proc shows them. An ancestor named like a known AI agent makes the request
 * agentic with that agent's likelihood, or 100 % when the requester has no controlling terminal. What the request claims (`claimed`) may only add to this: the
 * likelihood is the higher of the two and the acting process always comes from the kernel, so an
 * agent that leaves the facts out, or claims 0, cannot slip past agentic policies. Null when neither
 * the kernel nor the request says the request is agentic.
 */
export function agenticFactsOf(pid: number | null, claimed: AgenticFacts | undefined, procRoot = '/proc'): AgenticFacts | null {
  const chain = pid === null ? [] : ancestry(pid, procRoot);
  // No kernel view (no peer pid, or it already exited): the claim is all there is.
  if (chain.length === 0) return claimed ?? null;
  const match = firstAgentAncestor(chain);
  if (match) {
    // Without a controlling terminal nobody typed the request: the agent ran it on its own.
    const headless = chain[0]!.ttyNr === 0;
    return {
      parentProcess: describe(match.process, match.name),
      aiLikelihoodPercent: Math.max(headless ? 100 : match.aiLikelihoodPercent, claimed?.aiLikelihoodPercent ?? 0),
    };
  }
  if (!claimed) return null;
  const parent = chain[1] ?? chain[0]!;
  return { parentProcess: describe(parent), aiLikelihoodPercent: claimed.aiLikelihoodPercent };
}
