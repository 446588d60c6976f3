/**
 * The protocol methods an elevation uses after the handshake, in one module so that the CLI can
 * evaluate their schemas (most of its start-up) while the agent answers session.hello. Imported
 * from the method files, not common/index.ts: only these schemas are built.
 */
export { ElevationRequest } from '../../../shared/protocol/src/common/methods/elevation.ts';
export { ElevationUpdated } from '../../../shared/protocol/src/common/methods/prompt.ts';
export { ElevationExited, ElevationInput, ElevationOutput, ElevationRun } from '../../../shared/protocol/src/common/methods/run.ts';
