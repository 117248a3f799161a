// A private CA and a server certificate for 127.0.0.1 and ::1, made by openssl for a test's
// TLS server (ARI over HTTPS, SMTP with STARTTLS).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export interface TestPki {
  /** The CA's certificate (PEM): what a client is told to trust. */
  ca: string;
  /** The server's key and certificate (PEM files), signed by the CA. */
  key: string;
  cert: string;
}

export function makePki(dir: string, name: string): TestPki {
  const o = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ca = join(dir, `${name}-ca.pem`);
  const caKey = join(dir, `${name}-ca.key`);
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const cert = join(dir, `${name}.pem`);
  const ext = join(dir, `${name}.ext`);
  o('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', caKey, '-out', ca, '-days', '2', '-subj', `/CN=${name} test CA`);
  o('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', '/CN=localhost');
  execFileSync('sh', ['-c', `printf 'subjectAltName=IP:127.0.0.1,IP:::1\\n' > '${ext}'`]);
  o('x509', '-req', '-in', csr, '-CA', ca, '-CAkey', caKey, '-CAcreateserial', '-out', cert, '-days', '2', '-extfile', ext);
  return { ca, key, cert };
}
