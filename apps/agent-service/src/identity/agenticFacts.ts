import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import type { AgenticSignal } from '../../../../shared/protocol/src/common/index.ts';
import { resourcesDir } from '../runtime/agentBundle.ts';
import { AgentSignatures, type AgentSignature } from './agentSignatures.ts';
import { ancestry, namesOf, type ProcessFacts } from './processTree.ts';

export interface AgenticFacts {
  readonly parentProcess: string;
  readonly aiLikelihoodPercent: number;
  /** Why: every signal that was found, each with its weight; the likelihood is the highest (docs/agentic.md). */
  readonly signals?: readonly AgenticSignal[];
}

const SignaturesFile = z.object({ signatures: AgentSignatures });

/** The likelihood of a requester without a controlling terminal under a known agent: nobody typed it. */
export const HEADLESS_PERCENT = 100;

/** The shipped list. A missing or malformed file is a broken install: it throws. */
export function shippedSignatures(): AgentSignature[] {
  return SignaturesFile.parse(JSON.parse(readFileSync(join(resourcesDir, 'agentic', 'agentSignatures.json'), 'utf8'))).signatures;
}

interface Match {
  readonly process: ProcessFacts;
  /** How far up: 0 is the requesting process itself, 1 its parent, … */
  readonly generation: number;
  readonly name: string;
  readonly signature: AgentSignature;
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
 * Works out the agentic facts of a request from the kernel (docs/agentic.md): the requesting process
 * (`pid`, from SO_PEERCRED) and its ancestors as /proc shows them, matched against the signature list.
 */
export class AgentDetector {
  private readonly byName = new Map<string, AgentSignature>();

  constructor({ signatures }: { signatures: readonly AgentSignature[] }) {
    // The first signature naming a process wins, as listed.
    for (const signature of signatures)
      for (const name of signature.names) if (!this.byName.has(name.toLowerCase())) this.byName.set(name.toLowerCase(), signature);
  }

  private nearestAgent(chain: readonly ProcessFacts[]): Match | null {
    for (const [generation, process] of chain.entries()) {
      for (const name of namesOf(process)) {
        const signature = this.byName.get(name.toLowerCase());
        if (signature) return { process, generation, name, signature };
      }
    }
    return null;
  }

  /**
   * An ancestor named like a known AI agent makes the request agentic with that agent's likelihood,
   * or 100 % when the requester has no controlling terminal. What the request claims (`claimed`) may
   * only add to this: the likelihood is the highest signal, and the acting process always comes from
   * the kernel, so an agent that leaves the facts out, or claims 0, cannot slip past agentic policies.
   * Null when neither the kernel nor the request says the request is agentic.
   */
  factsOf(pid: number | null, claimed: Omit<AgenticFacts, 'signals'> | undefined, procRoot = '/proc'): AgenticFacts | null {
    const chain = pid === null ? [] : ancestry(pid, procRoot);
    const claim: AgenticSignal[] = claimed ? [{ signal: 'claimed', percent: claimed.aiLikelihoodPercent, process: claimed.parentProcess }] : [];
    // No kernel view (no peer pid, or it already exited): the claim is all there is.
    if (chain.length === 0) return claimed ? { ...claimed, signals: claim } : null;
    const match = this.nearestAgent(chain);
    if (!match) {
      if (!claimed) return null;
      const parent = chain[1] ?? chain[0]!;
      return { parentProcess: describe(parent), aiLikelihoodPercent: claimed.aiLikelihoodPercent, signals: claim };
    }
    const parentProcess = describe(match.process, match.name);
    const signals: AgenticSignal[] = [
      {
        signal: 'signature',
        percent: match.signature.aiLikelihoodPercent,
        agent: match.signature.agent,
        name: match.name,
        process: parentProcess,
        pid: match.process.pid,
        generation: match.generation,
      },
    ];
    // Without a controlling terminal nobody typed the request: the agent ran it on its own.
    if (chain[0]!.ttyNr === 0) signals.push({ signal: 'headless', percent: HEADLESS_PERCENT, pid: chain[0]!.pid });
    signals.push(...claim);
    return { parentProcess, aiLikelihoodPercent: Math.max(...signals.map((s) => s.percent)), signals };
  }
}

let shipped: AgentDetector | null = null;

/** `AgentDetector.factsOf` with the shipped signature list (read once). */
export function agenticFactsOf(pid: number | null, claimed: Omit<AgenticFacts, 'signals'> | undefined, procRoot = '/proc'): AgenticFacts | null {
  shipped ??= new AgentDetector({ signatures: shippedSignatures() });
  return shipped.factsOf(pid, claimed, procRoot);
}
