import './runtimeSettings.ts';
import { runAgentCommand } from './runtime/agentCommand.ts';

process.exitCode = await runAgentCommand(process.argv.slice(2));
