export * from './method.ts';
export * from './errors.ts';
export * from './methods/session.ts';
export * from './methods/agent.ts';
export * from './methods/elevation.ts';
export * from './methods/prompt.ts';
export * from './methods/mfa.ts';
export * from './methods/approvals.ts';
