import * as z from 'zod';

/**
 * zod's JIT probe uses `new Function`, which our CSP (rightly) forbids. Imported first by every
 * renderer module that parses with zod, so it runs before any parse, and only where zod is loaded.
 */
z.config({ jitless: true });
