import { base64Check } from '../../../shared/protocol/src/common/base64Chunk.ts';

/**
 * The protocol's base64 check with Node's Buffer, native all the way: Node's atob validates in JavaScript,
 * which a CLI runs cold (about ten times the Buffer round trip for 1 MB of output).
 */
export const isBase64 = base64Check((groups) => Buffer.from(groups, 'base64').toString('base64'));
