import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Fixtures made with openssl in a per-process temp dir; keys never leave it. */
export const FIXTURE_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'org-ca-fixtures-'));

function openssl(args: string[], input?: string): string {
  return execFileSync('openssl', args, { cwd: FIXTURE_DIR, input, stdio: ['pipe', 'pipe', 'pipe'] }).toString();
}

export interface TestCa {
  readonly name: string;
  readonly certPem: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly keyPem: string;
}

const cache = new Map<string, TestCa>();

export interface CaOptions {
  /** days of validity (negative start offsets are made with -not_before). */
  readonly days?: number;
  /** 'ca' (default) or 'leaf' (basicConstraints CA:FALSE) */
  readonly type?: 'ca' | 'leaf';
  /** openssl -not_before / -not_after (YYYYMMDDHHMMSSZ) for expired / future certs */
  readonly notBefore?: string;
  readonly notAfter?: string;
  /** key algorithm: 'ec' (fast, default) or 'rsa' */
  readonly alg?: 'ec' | 'rsa';
  /** bytes of nsComment padding, to make large certificates cheaply */
  readonly padding?: number;
}

/** A self-signed certificate, generated once per name per process. */
export function makeCa(name: string, opts: CaOptions = {}): TestCa {
  const hit = cache.get(name);
  if (hit) return hit;
  const keyFile = path.join(FIXTURE_DIR, `${name}.key`);
  const certFile = path.join(FIXTURE_DIR, `${name}.pem`);
  if ((opts.alg ?? 'ec') === 'rsa') {
    openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', keyFile]);
  } else {
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keyFile]);
  }
  const ext = opts.type === 'leaf'
    ? ['basicConstraints=critical,CA:FALSE']
    : ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign'];
  if (opts.padding) ext.push(`nsComment=${'p'.repeat(opts.padding)}`);
  if (opts.notBefore || opts.notAfter) {
    // openssl 3.0 `req` has no -not_before: sign the request with `openssl ca -selfsign` instead.
    const dir = fs.mkdtempSync(path.join(FIXTURE_DIR, 'ca-'));
    fs.writeFileSync(path.join(dir, 'index.txt'), '');
    fs.writeFileSync(path.join(dir, 'serial'), '01\n');
    fs.writeFileSync(path.join(dir, 'ca.cnf'), [
      '[ca]', 'default_ca=d', '[d]', `database=${dir}/index.txt`, `new_certs_dir=${dir}`, `serial=${dir}/serial`,
      'default_md=sha256', 'policy=p', 'unique_subject=no', '[p]', 'organizationName=optional', 'commonName=supplied',
      '[ext]', ...ext, '',
    ].join('\n'));
    const csr = path.join(dir, 'req.csr');
    openssl(['req', '-new', '-key', keyFile, '-subj', `/O=Test Org/CN=${name}`, '-out', csr]);
    openssl(['ca', '-batch', '-notext', '-config', path.join(dir, 'ca.cnf'), '-selfsign', '-keyfile', keyFile, '-in', csr,
      '-startdate', opts.notBefore ?? '20200101000000Z', '-enddate', opts.notAfter ?? '20991231000000Z', '-extensions', 'ext', '-out', certFile]);
  } else {
    openssl(['req', '-x509', '-new', '-key', keyFile, '-sha256', '-subj', `/O=Test Org/CN=${name}`, '-days', String(opts.days ?? 3650),
      ...ext.flatMap(e => ['-addext', e]), '-out', certFile]);
  }
  const ca = { name, certPem: fs.readFileSync(certFile, 'utf8'), certFile, keyFile, keyPem: fs.readFileSync(keyFile, 'utf8') };
  cache.set(name, ca);
  return ca;
}

/** Leaf certificate for `host` (127.0.0.1 / localhost SANs) signed by `ca`. */
export function makeLeaf(ca: TestCa, name: string): { certFile: string; keyFile: string; certPem: string } {
  const keyFile = path.join(FIXTURE_DIR, `${name}.key`);
  const csr = path.join(FIXTURE_DIR, `${name}.csr`);
  const certFile = path.join(FIXTURE_DIR, `${name}.pem`);
  const extFile = path.join(FIXTURE_DIR, `${name}.ext`);
  fs.writeFileSync(extFile, 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=critical,CA:FALSE\n');
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keyFile]);
  openssl(['req', '-new', '-key', keyFile, '-subj', `/CN=${name}`, '-out', csr]);
  openssl(['x509', '-req', '-in', csr, '-CA', ca.certFile, '-CAkey', ca.keyFile, '-CAcreateserial', '-days', '30', '-sha256', '-extfile', extFile, '-out', certFile]);
  return { certFile, keyFile, certPem: fs.readFileSync(certFile, 'utf8') };
}

/** `openssl x509 -text` output of a certificate (human-readable text before the PEM). */
export function textForm(ca: TestCa): string {
  return openssl(['x509', '-in', ca.certFile, '-text']);
}

export function derOf(ca: TestCa): Buffer {
  return execFileSync('openssl', ['x509', '-in', ca.certFile, '-outform', 'DER']);
}

export function fingerprintOf(pem: string): string {
  return openssl(['x509', '-noout', '-fingerprint', '-sha256'], pem).trim().replace(/^.*=/, '');
}

/** Fingerprints of every certificate in a PEM text, using openssl (independent of the library). */
export function fingerprintsIn(pem: string): string[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map(b => fingerprintOf(b + '\n'));
}

/** PEM private keys of every flavour the library must refuse. */
export function privateKeyFixtures(): Record<string, string> {
  const rsaPkcs8 = openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024']);
  const rsaPkcs1 = openssl(['pkey', '-traditional'], rsaPkcs8);
  const ec = openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout']);
  const encrypted = openssl(['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-passout', 'pass:secret'], rsaPkcs8);
  // OpenSSH format: only the armour matters to the library; body is an opaque base64 blob.
  const openssh = '-----BEGIN OPENSSH PRIVATE KEY-----\n' + Buffer.from('openssh-key-v1\0' + 'x'.repeat(60)).toString('base64').replace(/(.{70})/g, '$1\n') + '\n-----END OPENSSH PRIVATE KEY-----\n';
  return {
    'PKCS#8 (BEGIN PRIVATE KEY)': rsaPkcs8,
    'PKCS#1 (BEGIN RSA PRIVATE KEY)': rsaPkcs1,
    'EC (BEGIN EC PRIVATE KEY)': ec,
    'ENCRYPTED (BEGIN ENCRYPTED PRIVATE KEY)': encrypted,
    'OPENSSH (BEGIN OPENSSH PRIVATE KEY)': openssh,
  };
}
