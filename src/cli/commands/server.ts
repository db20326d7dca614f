import type { Command } from 'commander';
import type { OptionBinding } from '../../core/index.js';
import { addCommonOptions, configFor, fail, loggerFor } from '../options.js';

/** Flags and environment variables of `vigil server`, with their config keys. */
export const SERVER_BINDINGS: OptionBinding[] = [
  { option: 'host', key: 'server.host', env: 'VIGIL_HOST' },
  { option: 'port', key: 'server.port', env: 'VIGIL_PORT' },
  { option: 'data', key: 'server.data', env: 'VIGIL_DATA' },
  { option: 'mode', key: 'server.mode', env: 'VIGIL_MODE' },
  { option: 'agentKey', key: 'server.agentKey', env: 'VIGIL_AGENT_KEY' },
  { option: 'adminPassword', key: 'server.adminPassword', env: 'VIGIL_ADMIN_PASSWORD' },
  { option: 'localAgent', key: 'server.localAgent', env: 'VIGIL_LOCAL_AGENT' },
  { option: 'publicUrl', key: 'server.publicUrl', env: 'VIGIL_PUBLIC_URL' },
  { option: 'tlsCert', key: 'server.tlsCert', env: 'VIGIL_TLS_CERT' },
  { option: 'tlsKey', key: 'server.tlsKey', env: 'VIGIL_TLS_KEY' },
];

/** Registers `vigil server`. */
export function registerServer(program: Command): void {
  addCommonOptions(program.command('server').description('run the Vigil server: embedded store, API, dashboard and a local agent'))
    .option('--host <host>', 'address to listen on (default 127.0.0.1; env VIGIL_HOST)')
    .option('--port <port>', 'port to listen on (default 9470; env VIGIL_PORT)')
    .option('--data <dir>', 'data directory (default ./vigil-data; env VIGIL_DATA)')
    .option('--mode <mode>', 'single | cluster (default single; env VIGIL_MODE)')
    .option('--agent-key <key>', 'pre-seed an agent key on first start (env VIGIL_AGENT_KEY)')
    .option('--admin-password <password>', 'pre-seed the admin password on first start (env VIGIL_ADMIN_PASSWORD)')
    .option('--no-local-agent', 'do not monitor this machine from inside the server (env VIGIL_LOCAL_AGENT=false)')
    .option('--public-url <url>', 'URL people use to reach the dashboard, for links in notifications (env VIGIL_PUBLIC_URL)')
    .option('--tls-cert <file>', 'TLS certificate (PEM); serve HTTPS (env VIGIL_TLS_CERT)')
    .option('--tls-key <file>', 'TLS private key (PEM) (env VIGIL_TLS_KEY)')
    .action(async (flags: Record<string, unknown>) => {
      // commander sets localAgent=true by default for --no-local-agent; only pass it when the flag was given.
      if (flags.localAgent === true) delete flags.localAgent;
      const { vigilConfigSchema } = await import('../../config/index.js');
      const config = configFor(flags, SERVER_BINDINGS, vigilConfigSchema);
      const log = loggerFor(config);
      try {
        // Loaded on use so that other commands start without the server's dependencies.
        const { startServer } = await import('../../api/index.js');
        const server = await startServer({
          config,
          logger: log,
          onBootstrap: (b) => {
            const lines = ['', 'First start: these secrets are shown once and stored only as hashes.'];
            if (b.adminPassword) lines.push(`  dashboard login:  admin / ${b.adminPassword}`);
            if (b.agentKey) lines.push(`  agent key:        ${b.agentKey}`);
            process.stdout.write(`${lines.join('\n')}\n\n`);
          },
        });
        process.stdout.write(`Vigil is running at ${server.url}\n`);
        let stopping = false;
        const stop = (signal: string) => {
          if (stopping) {
            process.stderr.write('vigil: forced exit\n');
            process.exit(1);
          }
          stopping = true;
          log.info({ signal }, 'shutting down');
          const timer = setTimeout(() => {
            log.error('shutdown timed out');
            process.exit(1);
          }, config.server.shutdownTimeout);
          timer.unref();
          server.close().then(
            () => process.exit(0),
            (e: unknown) => {
              log.error({ err: e }, 'shutdown failed');
              process.exit(1);
            },
          );
        };
        process.on('SIGHUP', () => {
          // Rules, channels and scrape jobs are reloadable; a bad file is logged and the running config kept.
          try {
            const next = configFor(flags, SERVER_BINDINGS, vigilConfigSchema, false);
            server.reload(next).catch((e: unknown) => log.error({ err: e }, 'reload failed'));
          } catch (e) {
            log.error({ err: e }, 'reload failed; keeping the running configuration');
          }
        });
        process.on('SIGINT', () => stop('SIGINT'));
        process.on('SIGTERM', () => stop('SIGTERM'));
      } catch (e) {
        fail(e);
      }
    });
}
