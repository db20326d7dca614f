import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { VigilError } from './errors.js';

/** Address ranges an outgoing webhook may not reach unless allowed: loopback, private, link-local, and the like. */
const BLOCKED = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  BLOCKED.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  BLOCKED.addSubnet(net, prefix, 'ipv6');

/** True when an IP address is loopback, private, link-local, multicast or otherwise not a public target. */
export function isPrivateAddress(ip: string): boolean {
  const v = isIP(ip);
  if (v === 4) return BLOCKED.check(ip, 'ipv4');
  if (v === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
    if (mapped) return BLOCKED.check(mapped[1] as string, 'ipv4');
    return BLOCKED.check(ip, 'ipv6');
  }
  return true;
}

/** Options for the outgoing-request guard. */
export interface SsrfGuardOptions {
  /** Allow loopback, private and link-local targets (for a webhook receiver inside your network). */
  allowPrivate?: boolean;
  /** Host names or IPs always allowed, whatever they resolve to. */
  allowHosts?: readonly string[];
  /** DNS resolver, injectable for tests. */
  resolve?: (host: string) => Promise<string[]>;
}

async function defaultResolve(host: string): Promise<string[]> {
  return (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
}

/**
 * Checks that an outgoing URL (a webhook, a Slack URL) is http(s) and resolves only to public addresses,
 * unless allowed by configuration; throws FORBIDDEN naming the reason. Returns the addresses it resolved to,
 * so the caller can connect to exactly those (no DNS-rebinding window).
 */
export async function assertPublicUrl(raw: string, opts: SsrfGuardOptions = {}): Promise<string[]> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new VigilError('BAD_REQUEST', 'not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new VigilError('FORBIDDEN', `URL scheme ${url.protocol} is not allowed; use http or https`);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [host] : await (opts.resolve ?? defaultResolve)(host).catch(() => [] as string[]);
  if (addresses.length === 0) throw new VigilError('BAD_REQUEST', `cannot resolve host ${host}`);
  if (opts.allowPrivate || opts.allowHosts?.includes(host)) return addresses;
  for (const a of addresses) {
    if (isPrivateAddress(a)) {
      throw new VigilError(
        'FORBIDDEN',
        `target ${host} resolves to a private, loopback or link-local address; allow it in config (alerting.allowPrivateTargets) if intended`,
      );
    }
  }
  return addresses;
}
