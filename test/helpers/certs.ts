// Makes real certificates for TLS tests with openssl: a CA, a server certificate for 127.0.0.1, client certificates,
// all in a temporary folder removed by the returned function.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Pki {
  dir: string;
  /** Paths of a CA, and of certificates (with their keys) signed by it or by another CA. */
  path(name: string): string;
  /** Issues `<name>.crt` and `<name>.key` signed by `ca` (a CA made by makeCa), with the given subjectAltName. */
  issue(name: string, ca: string, subjectAltName: string, extendedKeyUsage: 'serverAuth' | 'clientAuth'): void;
  /** Makes a self-signed CA `<name>.crt` / `<name>.key`. */
  makeCa(name: string): void;
  /** A function, not a method: it is passed to t.teardown as it is. */
  remove: () => void;
}

function openssl(args: string[], cwd: string): void {
  // openssl runs to completion here; the timeout kills it if it ever hangs.
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], timeout: 20_000 });
}

/** EC P-256 keys: as good as RSA for these tests and generated in milliseconds. */
const KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

export function makePki(): Pki {
  const dir = mkdtempSync(join(tmpdir(), 'ze-pki-'));
  const pki: Pki = {
    dir,
    path: (name) => join(dir, name),
    makeCa(name) {
      openssl(
        [
          'req',
          '-x509',
          ...KEY,
          '-keyout',
          `${name}.key`,
          '-out',
          `${name}.crt`,
          '-days',
          '2',
          '-subj',
          `/CN=${name}`,
          '-addext',
          'basicConstraints=critical,CA:TRUE',
          '-addext',
          'keyUsage=critical,keyCertSign,cRLSign',
        ],
        dir,
      );
    },
    issue(name, ca, subjectAltName, extendedKeyUsage) {
      writeFileSync(
        join(dir, `${name}.ext`),
        `subjectAltName=${subjectAltName}\nextendedKeyUsage=${extendedKeyUsage}\nbasicConstraints=CA:FALSE\n`,
      );
      openssl(['req', ...KEY, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`], dir);
      openssl(
        [
          'x509',
          '-req',
          '-in',
          `${name}.csr`,
          '-CA',
          `${ca}.crt`,
          '-CAkey',
          `${ca}.key`,
          '-CAcreateserial',
          '-out',
          `${name}.crt`,
          '-days',
          '2',
          '-extfile',
          `${name}.ext`,
        ],
        dir,
      );
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
  return pki;
}
