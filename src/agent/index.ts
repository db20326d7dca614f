/** The host agent: collectors, latency probes, host identity, and shipping with retry and an on-disk spool. */

export type { SeriesSamples } from '../core/types.js';
export { type Agent, type AgentOptions, createAgent } from './agent.js';
export { BatchBuilder, encodeBatch } from './batch.js';
export { type HostIdentity, resolveIdentity } from './identity.js';
export { parseProbeSpec, validateProbe } from './probes.js';
export { runAgentProcess } from './run.js';
export type { AgentLogger, AgentStats, ProbeConfig } from './types.js';
