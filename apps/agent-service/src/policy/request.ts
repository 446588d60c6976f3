import type { PolicyType } from './policySchema.ts';

/** Everything policy matching looks at, gathered by the agent (never taken on trust from a client). */
export interface EvaluationRequest {
  readonly policyType: PolicyType;
  readonly user: {
    readonly uid: number | null;
    readonly name: string | null;
    readonly groups: readonly string[];
    readonly home: string | null;
  };
  readonly machine: { readonly name: string };
  readonly application: {
    readonly path: string;
    readonly sha256: string | null;
    readonly signer: string | null;
    /** The full command line as the user typed it (executable and arguments). */
    readonly commandLine: string;
    /**
     * The arguments after the executable, one by one, for AllowArguments/DenyArguments. Absent when
     * the caller of the engine does not know them: a policy with argument rules then never applies.
     */
    readonly arguments?: readonly string[];
  };
  /** For agentic actions: the process acting and how likely it is an AI agent. */
  readonly agentic: { readonly parentProcess: string; readonly aiLikelihoodPercent: number } | null;
  readonly at: Date;
}
