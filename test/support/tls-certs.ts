import { execFileSync } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { TempDir } from './temp-dir.js';

export interface TestPki {
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** Paths of the same, for mosquitto. */
  files: { caCert: string; serverCert: string; serverKey: string };
}

/**
 * A throwaway PKI made with openssl in `dir`: a CA, a server certificate for
 * 127.0.0.1/localhost and a client certificate, all P-256 (fast), valid 30 days.
 * The directory and files are made world-readable for mosquitto (see below): test use only.
 */
export function makeTestPki(dir: TempDir): TestPki {
  const run = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir.path, stdio: ['ignore', 'ignore', 'pipe'] });
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '30', '-subj', '/CN=Kiosk Test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  for (const [name, cn, san] of [
    ['server', 'localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n'],
    ['client', 'kiosk-console-0001', 'extendedKeyUsage=clientAuth\n'],
  ] as const) {
    writeFileSync(dir.file(`${name}.ext`), san);
    run('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    run('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '30', '-extfile', `${name}.ext`);
  }
  // mosquitto started as root drops to its own user: it must be able to read these throwaway files.
  chmodSync(dir.path, 0o755);
  for (const name of readdirSync(dir.path)) chmodSync(dir.file(name), 0o644);
  const read = (name: string): string => readFileSync(dir.file(name), 'utf8');
  return {
    caCert: read('ca.crt'),
    serverCert: read('server.crt'),
    serverKey: read('server.key'),
    clientCert: read('client.crt'),
    clientKey: read('client.key'),
    files: { caCert: dir.file('ca.crt'), serverCert: dir.file('server.crt'), serverKey: dir.file('server.key') },
  };
}
