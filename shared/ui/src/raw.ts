/** Marks an element whose text is data (a path, a hash, a name from a policy), not words of ours to translate. */
export const raw = (isData = true) => (isData ? { 'data-raw': '' } : {});
