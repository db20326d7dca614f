import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** Paths of a self-signed certificate and its key. */
export interface SelfSignedCert {
  certFile: string;
  keyFile: string;
}

/**
 * Writes a self-signed certificate for 127.0.0.1 (CN and subjectAltName IP) valid for `days` days into `dir`, with
 * the machine's `openssl` (RSA 2048, unencrypted key). Throws when openssl is missing or fails.
 */
export function selfSignedCert(dir: string, days = 2): SelfSignedCert {
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      String(days),
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'ignore' },
  );
  return { certFile, keyFile };
}
