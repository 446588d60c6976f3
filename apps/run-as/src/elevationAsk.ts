/** What keeper-elevate and keeper-runas ask the agent for, as their command lines said it. */
export interface ElevationAsk {
  readonly name: string;
  readonly socket: string | undefined;
  readonly command: string;
  readonly args: readonly string[];
  /** keeper-runas's target; absent for root. */
  readonly runAs?: string;
  /** How to ask again, for the "once it is approved" hint (the command as the user typed it). */
  readonly rerun: string;
}
