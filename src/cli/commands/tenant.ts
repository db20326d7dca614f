import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { VigilError } from '../../core/index.js';
import { fail } from '../options.js';

/** Registers `vigil tenant add`: a new tenant with its first admin and agent key, printed once. */
export function registerTenant(program: Command): void {
  const cmd = program.command('tenant').description('manage tenants (each sees only its own series, alerts and settings)');
  cmd
    .command('add')
    .description('create a tenant with an admin user and an agent key (shown once)')
    .argument('<name>', 'tenant name: letters, digits, _ and -')
    .option('--admin <user>', "name of the tenant's first admin user", undefined)
    .option('--password <password>', "that user's password (default: generated; env VIGIL_NEW_PASSWORD)")
    .option('--data <dir>', "the server's data directory (env VIGIL_DATA)", process.env.VIGIL_DATA ?? './vigil-data')
    .action(async (name: string, flags: { admin?: string; password?: string; data: string }) => {
      try {
        if (!/^[A-Za-z0-9_-]{1,64}$/.test(name))
          throw new VigilError('BAD_REQUEST', `tenant name "${name}": use 1–64 letters, digits, _ or -`);
        if (!existsSync(flags.data)) mkdirSync(flags.data, { recursive: true });
        const { AuthStore } = await import('../../api/index.js');
        const { newPassword } = await import('../../api/auth/secrets.js');
        const store = new AuthStore(join(flags.data, 'vigil.db'));
        try {
          const user = flags.admin ?? `${name}-admin`;
          const password = flags.password ?? process.env.VIGIL_NEW_PASSWORD ?? newPassword();
          await store.createUser(name, user, password, 'admin', 'cli');
          const { key } = store.createKey(name, `${name} agent key`, 'agent', null, 'cli');
          process.stdout.write(`tenant ${name} created; shown once:\n  login:      ${user} / ${password}\n  agent key:  ${key}\n`);
        } finally {
          store.close();
        }
      } catch (e) {
        fail(e);
      }
    });
}
