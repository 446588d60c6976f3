/**
 * Wraps a load so that calls while one runs are folded into one more run after it: a burst of
 * change notifications costs at most two loads, and the last one sees the latest state.
 */
export function coalesced(run: () => Promise<void>): () => Promise<void> {
  let loading: Promise<void> | null = null;
  let again = false;
  const load = (): Promise<void> => {
    if (loading) {
      again = true;
      return loading;
    }
    loading = run().finally(() => {
      loading = null;
      if (again) {
        again = false;
        void load();
      }
    });
    return loading;
  };
  return load;
}
