/* Certificate and key fixtures, made with node:crypto alone (no openssl command: `npm test` must
 * run on a machine that has none). Certificates are built as DER here (a minimal X.509 v3
 * encoder) and signed with crypto.sign; keys are written to a per-process temp dir for the
 * end-to-end HTTPS servers and never leave it. */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, randomBytes, sign, X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const FIXTURE_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'org-ca-fixtures-'));

export interface TestCa {
  readonly name: string;
  readonly certPem: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly keyPem: string;
}

export interface CaOptions {
  /** days of validity from now */
  readonly days?: number;
  /** 'ca' (default: CA:TRUE, keyCertSign) or 'leaf' (basicConstraints CA:FALSE) */
  readonly type?: 'ca' | 'leaf';
  /** validity bounds as YYYYMMDDHHMMSSZ, for expired / not-yet-valid certificates */
  readonly notBefore?: string;
  readonly notAfter?: string;
  /** key algorithm: 'ec' (P-256, fast, default), 'rsa' (2048) or 'ed25519' (the smallest certificates) */
  readonly alg?: 'ec' | 'rsa' | 'ed25519';
  /** bytes of nsComment padding, to make large certificates cheaply */
  readonly padding?: number;
  /** RSA modulus size (with alg 'rsa') */
  readonly bits?: number;
  /** keyUsage as its first byte (0x06 = keyCertSign + cRLSign, the default for a CA), or 'none' */
  readonly keyUsage?: number | 'none';
  /** sign with this CA instead of self-signing (an intermediate) */
  readonly issuer?: TestCa;
  /** the smallest CA: a CN-only name and basicConstraints alone (an Ed25519 one is under 256 bytes of DER) */
  readonly minimal?: boolean;
}

// --- a minimal DER encoder -------------------------------------------------------------------

function len(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return Buffer.from([0x80 + bytes.length, ...bytes]);
}
const tlv = (tag: number, ...content: Buffer[]) => {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), len(body.length), body]);
};
const seq = (...parts: Buffer[]) => tlv(0x30, ...parts);
const set = (...parts: Buffer[]) => tlv(0x31, ...parts);
const explicit = (n: number, ...parts: Buffer[]) => tlv(0xa0 + n, ...parts);
const octets = (b: Buffer) => tlv(0x04, b);
const bits = (b: Buffer, unused = 0) => tlv(0x03, Buffer.from([unused]), b);
const TRUE = Buffer.from([0x01, 0x01, 0xff]);
const NULL = Buffer.from([0x05, 0x00]);

function int(b: Buffer | number): Buffer {
  let v = typeof b === 'number' ? Buffer.from([b]) : b;
  while (v.length > 1 && v[0] === 0 && v[1] < 0x80) v = v.subarray(1);
  // eslint-disable-next-line no-bitwise
  if (v[0] & 0x80) v = Buffer.concat([Buffer.from([0]), v]);
  return tlv(0x02, v);
}

function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const out = [a * 40 + b];
  for (const n of rest) {
    const chunk: number[] = [];
    for (let v = n; ; v = Math.floor(v / 128)) {
      chunk.unshift((v % 128) + (chunk.length ? 0x80 : 0));
      if (v < 128) break;
    }
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z'; // YYYYMMDDHHMMSSZ
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(iso.slice(2))) : tlv(0x18, Buffer.from(iso));
}

const name = (cn: string, org?: string) => seq(
  ...(org ? [set(seq(oid('2.5.4.10'), tlv(0x0c, Buffer.from(org))))] : []),
  set(seq(oid('2.5.4.3'), tlv(0x0c, Buffer.from(cn)))),
);
const ext = (id: string, critical: boolean, value: Buffer) => seq(oid(id), ...(critical ? [TRUE] : []), octets(value));

function parseTime(s: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) throw new Error(`bad time ${s}`);
  return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
}

interface Issue {
  readonly subject: Buffer;
  readonly issuer: Buffer;
  readonly publicKey: KeyObject;
  readonly signer: KeyObject;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly extensions: Buffer[];
}

function issue(o: Issue): string {
  const type = o.signer.asymmetricKeyType;
  const alg = type === 'rsa' ? seq(oid('1.2.840.113549.1.1.11'), NULL) : type === 'ed25519' ? seq(oid('1.3.101.112')) : seq(oid('1.2.840.10045.4.3.2'));
  const serial = randomBytes(16);
  serial[0] = serial[0] % 0x80;
  const tbs = seq(
    explicit(0, int(2)),
    int(serial),
    alg,
    o.issuer,
    seq(time(o.notBefore), time(o.notAfter)),
    o.subject,
    o.publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, seq(...o.extensions)),
  );
  const der = seq(tbs, alg, bits(sign(type === 'ed25519' ? null : 'sha256', tbs, o.signer)));
  return `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
}

/** DER BIT STRINGs of named bits drop trailing zero bits: the count of unused bits. */
const trailingZeroBits = (b: number) => {
  let n = 0;
  while (n < 7 && Math.floor(b / 2 ** n) % 2 === 0) n++;
  return n;
};

const keyId = (k: KeyObject) => createHash('sha1').update(k.export({ type: 'spki', format: 'der' })).digest();

function newKey(alg: 'ec' | 'rsa' | 'ed25519', modulusLength = 2048): { privateKey: KeyObject; publicKey: KeyObject } {
  if (alg === 'ed25519') return generateKeyPairSync('ed25519');
  return alg === 'rsa' ? generateKeyPairSync('rsa', { modulusLength }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
}

// --- fixtures --------------------------------------------------------------------------------

const cache = new Map<string, TestCa>();

/** A self-signed certificate, generated once per name per process. */
export function makeCa(cn: string, opts: CaOptions = {}): TestCa {
  const hit = cache.get(cn);
  if (hit) return hit;
  const { privateKey, publicKey } = newKey(opts.alg ?? 'ec', opts.bits);
  const now = Date.now();
  const ku = opts.keyUsage ?? 0x06;
  const extensions = opts.minimal ? [ext('2.5.29.19', true, seq(TRUE))] : opts.type === 'leaf'
    ? [ext('2.5.29.19', true, seq())]
    : [ext('2.5.29.19', true, seq(TRUE)), ...(ku === 'none' ? [] : [ext('2.5.29.15', true, bits(Buffer.from([ku]), trailingZeroBits(ku)))]), ext('2.5.29.14', false, octets(keyId(publicKey)))];
  if (opts.padding) extensions.push(ext('2.16.840.1.113730.1.13', false, tlv(0x16, Buffer.from('p'.repeat(opts.padding)))));
  const subject = name(cn, opts.minimal ? undefined : 'Test Org');
  const certPem = issue({
    subject,
    issuer: opts.issuer ? name(opts.issuer.name, 'Test Org') : subject,
    publicKey,
    signer: opts.issuer ? createPrivateKey(opts.issuer.keyPem) : privateKey,
    notBefore: opts.notBefore ? parseTime(opts.notBefore) : new Date(now - 3600_000),
    notAfter: opts.notAfter ? parseTime(opts.notAfter) : new Date(now + (opts.days ?? 3650) * 86400_000),
    extensions,
  });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const certFile = path.join(FIXTURE_DIR, `${cn}.pem`);
  const keyFile = path.join(FIXTURE_DIR, `${cn}.key`);
  fs.writeFileSync(certFile, certPem);
  fs.writeFileSync(keyFile, keyPem, { mode: 0o600 });
  const ca = { name: cn, certPem, certFile, keyFile, keyPem };
  cache.set(cn, ca);
  return ca;
}

/** Leaf certificate for 127.0.0.1 / localhost, serverAuth, signed by `ca`. */
export function makeLeaf(ca: TestCa, cn: string): { certFile: string; keyFile: string; certPem: string } {
  const { privateKey, publicKey } = newKey('ec');
  const caKey = createPrivateKey(ca.keyPem);
  const san = seq(tlv(0x82, Buffer.from('localhost')), tlv(0x87, Buffer.from([127, 0, 0, 1])));
  const certPem = issue({
    subject: name(cn),
    issuer: name(ca.name, 'Test Org'),
    publicKey,
    signer: caKey,
    notBefore: new Date(Date.now() - 3600_000),
    notAfter: new Date(Date.now() + 30 * 86400_000),
    extensions: [
      ext('2.5.29.19', true, seq()),
      ext('2.5.29.15', true, bits(Buffer.from([0x80]), 7)), // digitalSignature
      ext('2.5.29.37', false, seq(oid('1.3.6.1.5.5.7.3.1'))),
      ext('2.5.29.17', false, san),
      ext('2.5.29.35', false, seq(tlv(0x80, keyId(createPublicKey(caKey))))),
    ],
  });
  const certFile = path.join(FIXTURE_DIR, `${cn}.pem`);
  const keyFile = path.join(FIXTURE_DIR, `${cn}.key`);
  fs.writeFileSync(certFile, certPem);
  fs.writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  return { certFile, keyFile, certPem };
}

/**
 * Human-readable text before the PEM, in the shape `openssl x509 -text` prints (indented
 * "Field: value" lines), as operators paste it.
 */
export function textForm(ca: TestCa): string {
  const x = new X509Certificate(ca.certPem);
  return [
    'Certificate:',
    '    Data:',
    '        Version: 3 (0x2)',
    `        Serial Number: ${x.serialNumber}`,
    '        Signature Algorithm: ecdsa-with-SHA256',
    `        Issuer: ${x.issuer.replace(/\n/g, ', ')}`,
    '        Validity',
    `            Not Before: ${x.validFrom}`,
    `            Not After : ${x.validTo}`,
    `        Subject: ${x.subject.replace(/\n/g, ', ')}`,
    '        X509v3 extensions:',
    '            X509v3 Basic Constraints: critical',
    `                CA:${x.ca ? 'TRUE' : 'FALSE'}`,
    ca.certPem,
  ].join('\n');
}

/** A PKCS#7 SignedData ContentInfo (a `.p7b`, as Windows / AD CS export it) holding `certs`. */
export function pkcs7Of(...certs: TestCa[]): Buffer {
  const signedData = seq(int(1), set(), seq(oid('1.2.840.113549.1.7.1')), explicit(0, ...certs.map(derOf)), set());
  return seq(oid('1.2.840.113549.1.7.2'), explicit(0, signedData));
}

/** `openssl x509 -trustout`: the certificate followed by OpenSSL's trust settings (X509_CERT_AUX). */
export function trustedCertificateOf(ca: TestCa): string {
  const aux = seq(seq(oid('1.3.6.1.5.5.7.3.1')));
  const b64 = Buffer.concat([derOf(ca), aux]).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN TRUSTED CERTIFICATE-----\n${b64}\n-----END TRUSTED CERTIFICATE-----\n`;
}

export function derOf(ca: TestCa): Buffer {
  return Buffer.from(ca.certPem.replace(/-----[A-Z ]+-----/g, '').replace(/\s/g, ''), 'base64');
}

/**
 * SHA-256 fingerprint (colon-separated upper-case hex, as openssl prints it) of a PEM certificate,
 * computed over the DER decoded here; throws when the block is not a parsable certificate.
 */
export function fingerprintOf(pem: string): string {
  const der = Buffer.from(pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s/g, ''), 'base64');
  new X509Certificate(der); // parses, or throws
  return createHash('sha256').update(der).digest('hex').toUpperCase().replace(/(..)(?!$)/g, '$1:');
}

/** Fingerprints of every certificate in a PEM text (each must parse). */
export function fingerprintsIn(pem: string): string[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map(b => fingerprintOf(b + '\n'));
}

/** PEM private keys of every flavour the library must refuse. */
export function privateKeyFixtures(): Record<string, string> {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  // OpenSSH format: only the armour matters to the library; body is an opaque base64 blob.
  const openssh = '-----BEGIN OPENSSH PRIVATE KEY-----\n' + Buffer.from('openssh-key-v1\0' + 'x'.repeat(60)).toString('base64').replace(/(.{70})/g, '$1\n') + '\n-----END OPENSSH PRIVATE KEY-----\n';
  return {
    'PKCS#8 (BEGIN PRIVATE KEY)': rsa.export({ type: 'pkcs8', format: 'pem' }).toString(),
    'PKCS#1 (BEGIN RSA PRIVATE KEY)': rsa.export({ type: 'pkcs1', format: 'pem' }).toString(),
    'EC (BEGIN EC PRIVATE KEY)': ec.export({ type: 'sec1', format: 'pem' }).toString(),
    'ENCRYPTED (BEGIN ENCRYPTED PRIVATE KEY)': rsa.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' }).toString(),
    'OPENSSH (BEGIN OPENSSH PRIVATE KEY)': openssh,
  };
}
