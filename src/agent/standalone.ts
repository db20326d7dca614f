import { parseArgs } from 'node:util';
import { parseDuration } from '../core/duration.js';
import { isVigilError } from '../core/errors.js';
import { type AgentOptions, createAgent } from './agent.js';
import { parseProbeSpec } from './probes.js';
import { runAgentProcess } from './run.js';
import type { AgentLogger, ProbeConfig } from './types.js';

// The one-file agent (`GET /agent.js`): flags and VIGIL_AGENT_* variables only, parsed with node:util so the bundle
// carries no CommonJS argument parser.

const HELP = `Usage: node vigil-agent.mjs --server URL --key KEY [options]

Collects this machine's metrics and ships them to a Vigil server.

Options (each also from an environment variable):
  --server <url>           server URL                                  VIGIL_AGENT_SERVER
  --key <key>              agent API key                               VIGIL_AGENT_KEY
  --interval <duration>    collection interval, at least 1s (def. 5s)  VIGIL_AGENT_INTERVAL
  --label <k=v>            extra label on every series, repeatable     VIGIL_AGENT_LABELS=k=v,k2=v2
  --spool <dir>            on-disk spool (def. $STATE_DIRECTORY/spool or ~/.vigil-agent/spool)  VIGIL_AGENT_SPOOL
  --spool-max-bytes <n>    spool size cap (def. 268435456)             VIGIL_AGENT_SPOOL_MAX_BYTES
  --ca-file <file>         PEM file of extra CAs for an https server   VIGIL_AGENT_CA_FILE
  --probe <spec>           latency probe, repeatable: http:URL or tcp:HOST:PORT
                           [,interval=10s,timeout=2s,name=x,insecure]  VIGIL_AGENT_PROBES (space-separated)
  --collectors <kind>      auto | linux | generic (def. auto)          VIGIL_AGENT_COLLECTORS
  --once                   collect and send one batch, then exit (0 when delivered)
  --log-level <level>      debug | info | warn | error | silent        VIGIL_LOG_LEVEL
  -h, --help               this text
`;

const LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
type Level = (typeof LEVELS)[number];

/** A JSON-lines logger on stderr, so that the one-file agent needs no logging library. */
function consoleLogger(level: Level): AgentLogger {
  const min = LEVELS.indexOf(level);
  const line = (lvl: Level) => (obj: Record<string, unknown>, msg?: string) => {
    if (LEVELS.indexOf(lvl) < min) return;
    process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...obj })}\n`);
  };
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
}

function usage(msg: string): never {
  process.stderr.write(`vigil-agent: ${msg}\n(see --help)\n`);
  process.exit(2);
}

function labels(list: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of list) {
    const eq = v.indexOf('=');
    if (eq <= 0) usage(`--label ${JSON.stringify(v)}: expected key=value`);
    out[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return out;
}

function options(): { agent: AgentOptions; once: boolean } {
  let parsed: ReturnType<typeof parse>;
  const parse = () =>
    parseArgs({
      options: {
        server: { type: 'string' },
        key: { type: 'string' },
        interval: { type: 'string' },
        label: { type: 'string', multiple: true },
        spool: { type: 'string' },
        'spool-max-bytes': { type: 'string' },
        'ca-file': { type: 'string' },
        probe: { type: 'string', multiple: true },
        collectors: { type: 'string' },
        once: { type: 'boolean' },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  try {
    parsed = parse();
  } catch (e) {
    usage((e as Error).message);
  }
  const f = parsed.values;
  const env = process.env;
  if (f.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  const server = f.server ?? env.VIGIL_AGENT_SERVER;
  const key = f.key ?? env.VIGIL_AGENT_KEY;
  if (!server || !key) usage('--server and --key are required (or VIGIL_AGENT_SERVER and VIGIL_AGENT_KEY)');
  const intervalText = f.interval ?? env.VIGIL_AGENT_INTERVAL ?? '5s';
  const intervalMs = parseDuration(intervalText);
  if (intervalMs === null || intervalMs < 1000)
    usage(`--interval ${JSON.stringify(intervalText)}: expected a duration of at least 1s, e.g. 5s`);
  const maxText = f['spool-max-bytes'] ?? env.VIGIL_AGENT_SPOOL_MAX_BYTES;
  const spoolMaxBytes = maxText === undefined ? undefined : Number(maxText);
  if (spoolMaxBytes !== undefined && !(Number.isInteger(spoolMaxBytes) && spoolMaxBytes >= 1024))
    usage('--spool-max-bytes: expected an integer of at least 1024');
  const probeSpecs = f.probe ?? (env.VIGIL_AGENT_PROBES ?? '').split(/\s+/).filter((s) => s !== '');
  let probes: ProbeConfig[];
  try {
    probes = probeSpecs.map(parseProbeSpec);
  } catch (e) {
    usage((e as Error).message);
  }
  const collectors = f.collectors ?? env.VIGIL_AGENT_COLLECTORS ?? 'auto';
  if (collectors !== 'auto' && collectors !== 'linux' && collectors !== 'generic') usage('--collectors: expected auto, linux or generic');
  const level = (f['log-level'] ?? env.VIGIL_LOG_LEVEL ?? 'info') as Level;
  if (!LEVELS.includes(level)) usage(`--log-level: expected one of ${LEVELS.join(', ')}`);
  const caFile = f['ca-file'] ?? env.VIGIL_AGENT_CA_FILE;
  return {
    once: f.once === true,
    agent: {
      server,
      key,
      intervalMs,
      labels: { ...labels((env.VIGIL_AGENT_LABELS ?? '').split(',').filter((s) => s !== '')), ...labels(f.label ?? []) },
      spoolDir:
        f.spool ??
        env.VIGIL_AGENT_SPOOL ??
        (env.STATE_DIRECTORY ? `${env.STATE_DIRECTORY.split(':')[0]}/spool` : `${env.HOME ?? '.'}/.vigil-agent/spool`),
      ...(spoolMaxBytes === undefined ? {} : { spoolMaxBytes }),
      ...(caFile ? { caFile } : {}),
      probes,
      collectors,
      logger: consoleLogger(level),
    },
  };
}

const { agent: agentOpts, once } = options();
const logger = agentOpts.logger as AgentLogger;
try {
  await runAgentProcess(createAgent(agentOpts), { once, logger });
} catch (e) {
  process.stderr.write(`vigil-agent: ${isVigilError(e) ? e.message : ((e as Error).stack ?? String(e))}\n`);
  process.exit(isVigilError(e, 'CONFIG_INVALID') ? 2 : 1);
}
