/**
 * The nearest-rank percentile of samples already sorted ascending: the smallest sample with at
 * least `p` % of them at or below it (`p` in 0–100). Every bench reports it this way, so their
 * tables compare.
 */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** The same for samples in any order. */
export const percentile = (values: readonly number[], p: number): number =>
  percentileOfSorted(
    [...values].sort((a, b) => a - b),
    p,
  );
