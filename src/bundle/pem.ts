import { createHash, X509Certificate } from 'node:crypto';

/**
 * Largest bundle a ConfigMap can carry (the API server rejects objects whose data exceeds 1 MiB).
 * @internal
 */
export const CONFIGMAP_LIMIT_BYTES = 1024 * 1024;

/**
 * One parsed certificate.
 * @internal
 */
export interface ParsedCertificate {
  /** Normalised PEM of this certificate (64-column base64, LF, trailing newline). */
  readonly pem: string;
  /** SHA-256 fingerprint of the DER encoding, colon-separated upper-case hex (as openssl prints it). */
  readonly fingerprint256: string;
  readonly subject: string;
  readonly issuer: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** basicConstraints CA:TRUE */
  readonly isCa: boolean;
  /** 1-based position of the block in the input (DER input: 1). */
  readonly position: number;
}

/**
 * Result of parsing a CA bundle.
 * @internal
 */
export interface ParsedBundle {
  /** Unique certificates in input order. */
  readonly certificates: ParsedCertificate[];
  /** Normalised PEM of all unique certificates. */
  readonly pem: string;
  /** Order-independent SHA-256 over the set of certificate fingerprints. */
  readonly sha256: string;
  /** Human-readable warnings (expired, not yet valid, not a CA, duplicates dropped). */
  readonly warnings: string[];
}

const BEGIN_RE = /^-----BEGIN ([A-Z0-9 #._-]+)-----$/;
const END_RE = /^-----END ([A-Z0-9 #._-]+)-----$/;
const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Parses and validates an organisation CA bundle (PEM text or a single DER certificate).
 *
 * Throws an Error naming `source` and the offending block on anything that is not a
 * certificate: private keys of any flavour, other PEM types, PEM headers, corrupt base64,
 * unterminated blocks, certificates that do not parse.
 *
 * @param input PEM text or DER bytes
 * @param source how to name the input in messages (a path, or "inline PEM")
 * @param now the time used for validity warnings
 * @internal
 */
export function parseCaBundle(input: string | Buffer, source: string, now: Date = new Date()): ParsedBundle {
  const blocks = Buffer.isBuffer(input) && !looksLikePem(input)
    ? [derBlock(input, source)]
    : pemBlocks(Buffer.isBuffer(input) ? input.toString('utf8') : input, source);

  const certificates: ParsedCertificate[] = [];
  const seen = new Set<string>();
  const warnings: string[] = [];
  for (const block of blocks) {
    const cert = toCertificate(block, source);
    if (seen.has(cert.fingerprint256)) {
      warnings.push(`${source}: block #${block.position} (${cert.subject}) repeats an earlier certificate; kept once`);
      continue;
    }
    seen.add(cert.fingerprint256);
    certificates.push(cert);
    if (cert.notAfter.getTime() < now.getTime()) {
      warnings.push(`${source}: certificate "${cert.subject}" (block #${block.position}) expired on ${cert.notAfter.toISOString()}; clients will reject chains that rely on it`);
    }
    if (cert.notBefore.getTime() > now.getTime()) {
      warnings.push(`${source}: certificate "${cert.subject}" (block #${block.position}) is not valid before ${cert.notBefore.toISOString()}`);
    }
    if (!cert.isCa) {
      warnings.push(`${source}: certificate "${cert.subject}" (block #${block.position}) is not a CA (basicConstraints CA:FALSE or absent); a trust bundle normally holds CA certificates only`);
    }
  }
  if (certificates.length === 0) {
    throw new Error(`no PEM certificate found in ${source}: expected at least one "-----BEGIN CERTIFICATE-----" block`);
  }

  const pem = certificates.map(c => c.pem).join('');
  const size = Buffer.byteLength(pem, 'utf8');
  if (size > CONFIGMAP_LIMIT_BYTES) {
    throw new Error(`${source}: the bundle is ${size} bytes after normalisation, over the ${CONFIGMAP_LIMIT_BYTES}-byte (1 MiB) ConfigMap limit; distribute fewer certificates`);
  }
  return { certificates, pem, sha256: bundleDigest(certificates.map(c => c.fingerprint256)), warnings };
}

/**
 * Digest that only depends on the set of certificates (not their order, whitespace or duplicates).
 * @internal
 */
export function bundleDigest(fingerprints: string[]): string {
  const unique = Array.from(new Set(fingerprints)).sort();
  return createHash('sha256').update(unique.join('\n')).digest('hex');
}

interface RawBlock {
  readonly position: number;
  readonly der: Buffer;
}

function looksLikePem(buf: Buffer): boolean {
  return buf.includes('-----BEGIN') || buf.includes('-----END');
}

function derBlock(der: Buffer, source: string): RawBlock {
  if (der.length === 0) {
    throw new Error(`no PEM certificate found in ${source}: the file is empty`);
  }
  // A DER certificate is an ASN.1 SEQUENCE (0x30). Anything else is text without PEM markers.
  if (der[0] !== 0x30) {
    throw new Error(`no PEM certificate found in ${source}: expected at least one "-----BEGIN CERTIFICATE-----" block (or a DER certificate)`);
  }
  return { position: 1, der };
}

function pemBlocks(text: string, source: string): RawBlock[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const blocks: RawBlock[] = [];
  let position = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    const endOutside = END_RE.exec(line);
    if (endOutside) {
      throw new Error(`${source}: line ${i + 1}: "-----END ${endOutside[1]}-----" without a matching BEGIN line`);
    }
    const begin = BEGIN_RE.exec(line);
    if (!begin) {
      // Text between blocks (openssl -text output, comments, blank lines) is allowed and dropped.
      if (/-----BEGIN /.test(line) && /PRIVATE KEY/.test(line)) {
        throw privateKeyError(source, position + 1, line.replace(/^.*?(-----BEGIN [^-]*-----).*$/, '$1'));
      }
      continue;
    }
    position++;
    const label = begin[1];
    if (/PRIVATE KEY/.test(label)) {
      throw privateKeyError(source, position, `-----BEGIN ${label}-----`);
    }
    const body: string[] = [];
    let j = i + 1;
    let closed = false;
    for (; j < lines.length; j++) {
      const l = lines[j].trim();
      const end = END_RE.exec(l);
      if (end) {
        if (end[1] !== label) {
          throw new Error(`${source}: block #${position} starts with "BEGIN ${label}" but ends with "END ${end[1]}" (line ${j + 1})`);
        }
        closed = true;
        break;
      }
      if (BEGIN_RE.test(l)) {
        break;
      }
      body.push(l);
    }
    if (!closed) {
      throw new Error(`${source}: block #${position} ("BEGIN ${label}", line ${i + 1}) has no "-----END ${label}-----" line`);
    }
    if (label !== 'CERTIFICATE') {
      throw new Error(`${source}: block #${position} is a "${label}" block (line ${i + 1}); a CA bundle may only contain CERTIFICATE blocks: remove it`);
    }
    if (body.some(l => l.includes(':'))) {
      throw new Error(`${source}: block #${position} (line ${i + 1}) has PEM headers (e.g. "Proc-Type:"); certificates in a CA bundle carry none: re-export it with "openssl x509"`);
    }
    const b64 = body.join('');
    if (b64.length === 0 || b64.length % 4 !== 0 || !BASE64_RE.test(b64)) {
      throw new Error(`${source}: block #${position} (line ${i + 1}) is not valid base64; the certificate is corrupt or truncated`);
    }
    blocks.push({ position, der: Buffer.from(b64, 'base64') });
    i = j;
  }
  return blocks;
}

function privateKeyError(source: string, position: number, marker: string): Error {
  return new Error(`${source}: block #${position} is a private key ("${marker}"); a CA bundle is public and is copied to every namespace: remove the key and keep only the certificates`);
}

function toCertificate(block: RawBlock, source: string): ParsedCertificate {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(block.der);
  } catch (e) {
    throw new Error(`${source}: block #${block.position} is not a parsable X.509 certificate (${(e as Error).message})`);
  }
  // Re-encode so the output never carries anything but the DER the parser accepted.
  const raw = x509.raw;
  const b64 = raw.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return {
    pem: `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`,
    fingerprint256: x509.fingerprint256,
    subject: oneLine(x509.subject),
    issuer: oneLine(x509.issuer),
    notBefore: new Date(x509.validFrom),
    notAfter: new Date(x509.validTo),
    isCa: x509.ca,
    position: block.position,
  };
}

function oneLine(dn: string): string {
  return dn.split('\n').filter(Boolean).join(', ');
}
