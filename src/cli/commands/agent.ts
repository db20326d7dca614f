import { homedir } from 'node:os';
import { join } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { type AgentOptions, createAgent, type ProbeConfig, parseProbeSpec, runAgentProcess } from '../../agent/index.js';
import { type OptionBinding, VigilError } from '../../core/index.js';
import { addCommonOptions, collectLabel, configFor, fail, loggerFor } from '../options.js';

const BINDINGS: OptionBinding[] = [
  { option: 'server', key: 'agent.server', env: 'VIGIL_AGENT_SERVER' },
  { option: 'key', key: 'agent.key', env: 'VIGIL_AGENT_KEY' },
  { option: 'interval', key: 'agent.interval', env: 'VIGIL_AGENT_INTERVAL' },
  { option: 'spool', key: 'agent.spool', env: 'VIGIL_AGENT_SPOOL' },
  { option: 'spoolMaxBytes', key: 'agent.spoolMaxBytes', env: 'VIGIL_AGENT_SPOOL_MAX_BYTES' },
  { option: 'caFile', key: 'agent.caFile', env: 'VIGIL_AGENT_CA_FILE' },
  { option: 'once', key: 'agent.once', env: 'VIGIL_AGENT_ONCE' },
];

function collectProbe(value: string, previous: ProbeConfig[] = []): ProbeConfig[] {
  try {
    return [...previous, parseProbeSpec(value)];
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

function collectLabelArg(value: string, previous: Record<string, string> = {}): Record<string, string> {
  try {
    return collectLabel(value, previous);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

/** Where batches wait by default: systemd's StateDirectory when run as a unit, else the user's home. */
function defaultSpoolDir(): string {
  const state = process.env.STATE_DIRECTORY;
  return state ? join(state.split(':')[0] as string, 'spool') : join(homedir(), '.vigil-agent', 'spool');
}

/** Registers `vigil agent`. */
export function registerAgent(program: Command): void {
  addCommonOptions(program.command('agent').description("collect this machine's metrics and ship them to a Vigil server"))
    .option('--server <url>', 'server URL (env VIGIL_AGENT_SERVER)')
    .option('--key <key>', 'agent API key (env VIGIL_AGENT_KEY)')
    .option('--interval <duration>', 'collection interval, at least 1s; default 5s (env VIGIL_AGENT_INTERVAL)')
    .option('--label <k=v>', 'extra label on every series (repeatable)', collectLabelArg)
    .option('--spool <dir>', 'on-disk spool directory; default $STATE_DIRECTORY/spool or ~/.vigil-agent/spool (env VIGIL_AGENT_SPOOL)')
    .option('--spool-max-bytes <n>', 'spool size cap; the oldest batches are dropped beyond it (env VIGIL_AGENT_SPOOL_MAX_BYTES)')
    .option('--ca-file <file>', 'PEM file of extra CAs trusted for an https server (env VIGIL_AGENT_CA_FILE)')
    .option(
      '--probe <spec>',
      'latency probe (repeatable): http:URL or tcp:HOST:PORT[,interval=10s,timeout=2s,name=x,insecure]',
      collectProbe,
    )
    .option('--once', 'collect and send one batch, then exit (0 when delivered)')
    .action(async (flags: Record<string, unknown>) => {
      try {
        const { probe, label, ...rest } = flags;
        const config = configFor(rest, BINDINGS);
        const a = config.agent;
        if (!a.server || !a.key)
          throw new VigilError('CONFIG_INVALID', 'vigil agent needs --server and --key (or VIGIL_AGENT_SERVER and VIGIL_AGENT_KEY)');
        if (a.interval < 1000)
          throw new VigilError('CONFIG_INVALID', `invalid config: agent.interval = ${a.interval} ms: must be at least 1s`);
        const log = loggerFor(config);
        const probes: ProbeConfig[] = [
          ...a.probes.map((p) => ({
            type: p.type,
            target: p.target,
            ...(p.name === undefined ? {} : { name: p.name }),
            ...(p.interval === undefined ? {} : { intervalMs: p.interval }),
            ...(p.timeout === undefined ? {} : { timeoutMs: p.timeout }),
            ...(p.insecure === undefined ? {} : { insecure: p.insecure }),
          })),
          ...((probe as ProbeConfig[] | undefined) ?? []),
        ];
        const opts: AgentOptions = {
          server: a.server,
          key: a.key,
          intervalMs: a.interval,
          labels: { ...a.labels, ...(label as Record<string, string> | undefined) },
          spoolMaxBytes: a.spoolMaxBytes,
          probes,
          logger: log,
          spoolDir: a.spool ?? defaultSpoolDir(),
          ...(a.caFile === undefined ? {} : { caFile: a.caFile }),
        };
        await runAgentProcess(createAgent(opts), { once: a.once, logger: log, beforeExit: () => log.flush?.() });
      } catch (e) {
        if (e instanceof VigilError && e.code === 'CONFIG_INVALID') {
          process.stderr.write(`vigil: ${e.message}\n`);
          process.exit(2);
        }
        fail(e);
      }
    });
}
