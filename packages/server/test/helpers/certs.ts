import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** PEM files of a throw-away PKI, made with the host's `openssl`. */
export interface TestPki {
  dir: string;
  /** The CA the server trusts for client certificates (and that signed the server cert). */
  caCert: string;
  serverCert: string;
  serverKey: string;
  /** Issues a client certificate from the trusted CA (`ca: 'trusted'`) or from an unrelated one. */
  clientCert(subject: string, ca?: 'trusted' | 'other'): { cert: string; key: string };
  close(): void;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function makeCa(dir: string, name: string): void {
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
    ],
    dir,
  );
}

function issue(dir: string, ca: string, name: string, subject: string, ext: string): void {
  openssl(
    [
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-subj',
      subject,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
    ],
    dir,
  );
  fs.writeFileSync(path.join(dir, `${name}.ext`), ext);
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
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.crt`,
    ],
    dir,
  );
}

/** Creates a trusted CA with a server certificate for 127.0.0.1, and an unrelated CA. */
export function createTestPki(): TestPki {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'soulbox-pki-'));
  makeCa(dir, 'trusted-ca');
  makeCa(dir, 'other-ca');
  issue(
    dir,
    'trusted-ca',
    'server',
    '/CN=127.0.0.1',
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n',
  );
  let n = 0;
  return {
    dir,
    caCert: path.join(dir, 'trusted-ca.crt'),
    serverCert: path.join(dir, 'server.crt'),
    serverKey: path.join(dir, 'server.key'),
    clientCert(subject, ca = 'trusted') {
      const name = `client-${++n}`;
      issue(dir, `${ca}-ca`, name, subject, 'extendedKeyUsage=clientAuth\n');
      return {
        cert: fs.readFileSync(path.join(dir, `${name}.crt`), 'utf8'),
        key: fs.readFileSync(path.join(dir, `${name}.key`), 'utf8'),
      };
    },
    close() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
