import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** Where the stable host id comes from, in order of preference. */
export interface IdentityOptions {
  /** Files holding a machine id; the first readable, non-empty one wins. Default `/etc/machine-id`, `/var/lib/dbus/machine-id`. */
  machineIdFiles?: string[];
  /** Directory where a generated id is stored when no machine id exists. */
  stateDir: string;
}

/** The host's identity: the stable `host_id` and the `host` name that label every series. */
export interface HostIdentity {
  hostId: string;
  hostname: string;
}

const DEFAULT_MACHINE_ID_FILES = ['/etc/machine-id', '/var/lib/dbus/machine-id'];

/** Resolves the host id: the OS machine id where available, else one generated once and stored in `stateDir/host-id`. */
export function resolveIdentity(opts: IdentityOptions): HostIdentity {
  for (const f of opts.machineIdFiles ?? DEFAULT_MACHINE_ID_FILES) {
    try {
      const id = readFileSync(f, 'utf8').trim();
      if (id !== '') return { hostId: id, hostname: hostname() };
    } catch {
      // not on this system; try the next source
    }
  }
  const file = join(opts.stateDir, 'host-id');
  try {
    const id = readFileSync(file, 'utf8').trim();
    if (id !== '') return { hostId: id, hostname: hostname() };
  } catch {
    // first run: generate below
  }
  const id = randomUUID().replaceAll('-', '');
  mkdirSync(opts.stateDir, { recursive: true });
  writeFileSync(file, `${id}\n`);
  return { hostId: id, hostname: hostname() };
}
