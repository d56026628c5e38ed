import { createHash, X509Certificate } from 'node:crypto';
import { basicConstraintsCa, isPrivateKeyDer, keyUsageBits, looksLikeCertificate, pkcs7Certificates, readTlv } from './der';

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

/** Days before expiry from which a certificate is warned about, by default. @internal */
export const DEFAULT_EXPIRY_WARNING_DAYS = 30;

/**
 * Options of `parseCaBundle`.
 * @internal
 */
export interface ParseOptions {
  /** Accept RSA keys under 2048 bits (clients at OpenSSL security level 2 refuse them). */
  readonly allowWeakKeys?: boolean;
  /** Warn about a certificate that expires within this many days (0: only expired ones). Default 30. */
  readonly expiryWarningDays?: number;
}

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
export function parseCaBundle(input: string | Buffer, source: string, now: Date = new Date(), options: ParseOptions = {}): ParsedBundle {
  const warnings: string[] = [];
  if (Buffer.isBuffer(input) && isPrivateKeyDer(input)) throw privateKeyError(source, 'the input', 'DER or OpenSSH key bytes');
  const text = Buffer.isBuffer(input) ? decodeText(input, source) : input;
  if (text?.includes('openssh-key-v1\0')) throw privateKeyError(source, 'the input', 'OpenSSH key bytes');
  const blocks = text === undefined ? derBlocks(input as Buffer, source) : pemBlocks(text, source, warnings);

  const certificates: ParsedCertificate[] = [];
  const seen = new Map<string, number>();
  const duplicates: string[] = [];
  for (const block of blocks) {
    const cert = toCertificate(block, source, options);
    const first = seen.get(cert.fingerprint256);
    if (first !== undefined) {
      duplicates.push(`block #${block.position} (${cert.subject}) repeats an earlier certificate (block #${first})`);
      continue;
    }
    seen.set(cert.fingerprint256, block.position);
    certificates.push(cert);
    const daysLeft = (cert.notAfter.getTime() - now.getTime()) / 86_400_000;
    if (daysLeft < 0) {
      warnings.push(`${source}: certificate "${cert.subject}" (block #${block.position}) expired on ${cert.notAfter.toISOString()}; clients will reject chains that rely on it`);
    } else if (daysLeft < (options.expiryWarningDays ?? DEFAULT_EXPIRY_WARNING_DAYS)) {
      warnings.push(`${source}: certificate "${cert.subject}" (block #${block.position}) expires on ${cert.notAfter.toISOString()}, in ${Math.floor(daysLeft)} day(s); distribute its successor now, next to it, so pods trust both before it expires`);
    }
    if (cert.notBefore.getTime() > now.getTime()) {
      warnings.push(`${source}: certificate "${cert.subject}" (block #${block.position}) is not valid before ${cert.notBefore.toISOString()}`);
    }
    if (!cert.isCa) {
      warnings.push(`${source}: certificate "${cert.subject}" (block #${block.position}) is not a CA (basicConstraints CA:FALSE or absent); a trust bundle normally holds CA certificates only`);
    } else if (cert.keyUsage && !cert.keyUsage.has(5)) {
      warnings.push(`${source}: certificate "${cert.subject}" (block #${block.position}) is a CA (basicConstraints CA:TRUE) but its keyUsage does not allow keyCertSign; clients that check keyUsage (OpenSSL 3, Go, Java) reject the certificates it signed: re-issue it with keyUsage keyCertSign`);
    }
  }
  if (duplicates.length === 1) {
    warnings.push(`${source}: ${duplicates[0]}; kept once`);
  } else if (duplicates.length > 1) {
    warnings.push(`${source}: ${duplicates.length} duplicate certificates dropped, each kept once (first: ${duplicates[0]})`);
  }
  const subjects = new Set(certificates.map(c => c.subject));
  for (const c of certificates) {
    if (c.subject !== c.issuer && !subjects.has(c.issuer)) {
      warnings.push(`${source}: certificate "${c.subject}" (block #${c.position}) is an intermediate issued by "${c.issuer}", which is not in the bundle; clients that must build the chain to a trusted root fail unless that root is in their system bundle: add the root certificate`);
    }
  }
  if (certificates.length === 0) {
    throw new Error(`no PEM certificate found in ${source}: expected at least one "-----BEGIN CERTIFICATE-----" block (or a DER or PKCS#7 file)`);
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

/** A certificate's DER and where it came from. */
interface RawBlock {
  readonly position: number;
  readonly der: Buffer;
}

const ARMOUR_RE = /^\s*-{3,}\s*(BEGIN|END)\s+([^-]*?)\s*-{3,}(.*)$/i;
/** The headers of an encrypted PEM private key (RFC 1421): a key, whatever the label says. */
const KEY_HEADER_RE = /^\s*(Proc-Type|DEK-Info)\s*:/i;
const BASE64_LINE_RE = /^[A-Za-z0-9+/=]+$/;

function privateKeyError(source: string, where: string, what: string): Error {
  return new Error(`${source}: ${where} is a private key (${what}); a CA bundle is public and is copied to every namespace: remove the key and keep only the certificates`);
}

/**
 * Text, or undefined for binary (DER) input. UTF-16 with a BOM is decoded; UTF-8's BOM dropped.
 */
function decodeText(buf: Buffer, source: string): string | undefined {
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe) return buf.subarray(2).toString('utf16le');
  if (buf.length >= 2 && buf[0] === 0xfe && buf[1] === 0xff) {
    const le = Buffer.from(buf.subarray(2));
    le.swap16();
    return le.toString('utf16le');
  }
  if (buf.length > 0 && buf[0] === 0x30 && readTlv(buf)) return undefined;
  if (buf.length >= 4 && buf.subarray(0, 64).filter(b => b === 0).length > 8) {
    throw new Error(`${source}: the file looks like UTF-16 without a byte-order mark; save it as UTF-8 (e.g. iconv -f UTF-16LE -t UTF-8)`);
  }
  return buf.toString('utf8');
}

/**
 * Classifies DER content: the certificates it holds, or an error (a key, something else).
 * `where` names it in messages.
 */
function certificatesIn(der: Buffer, source: string, where: string, label = 'CERTIFICATE'): Buffer[] {
  if (isPrivateKeyDer(der)) throw privateKeyError(source, where, label === 'CERTIFICATE' ? 'its content is a key, whatever its label says' : label);
  const p7 = pkcs7Certificates(der);
  if (p7 !== undefined) {
    if (p7.length === 0) throw new Error(`${source}: ${where} is a PKCS#7 container without certificates; export the CA certificates again`);
    return p7;
  }
  const first = readTlv(der);
  if (!first || !looksLikeCertificate(der, first)) {
    throw new Error(`${source}: ${where} is not a parsable X.509 certificate (its DER is damaged, truncated or of another type)`);
  }
  if (first.end < der.length) {
    const rest = der.subarray(first.end);
    if (isPrivateKeyDer(rest) || readTlv(rest) && isPrivateKeyDer(rest.subarray(0, readTlv(rest)!.end))) {
      throw privateKeyError(source, `${where} (the bytes after its certificate)`, 'DER key appended to the certificate');
    }
    if (label !== 'TRUSTED CERTIFICATE') {
      throw new Error(`${source}: ${where} has ${rest.length} trailing byte(s) after the certificate; export the certificate again (e.g. openssl x509 -in FILE -out ca.pem)`);
    }
  }
  return [der.subarray(0, first.end)];
}

/** Binary input: concatenated DER certificates or one PKCS#7 container, nothing else. */
function derBlocks(buf: Buffer, source: string): RawBlock[] {
  const out: RawBlock[] = [];
  let n = 0;
  for (let p = 0; p < buf.length;) {
    const t = readTlv(buf, p);
    n++;
    if (!t) {
      const rest = buf.subarray(p);
      if (isPrivateKeyDer(rest)) throw privateKeyError(source, `DER element #${n} (byte ${p})`, 'DER');
      throw new Error(`${source}: ${buf.length - p} trailing byte(s) at byte ${p} are not DER; the file must hold only certificates`);
    }
    for (const der of certificatesIn(buf.subarray(p, t.end), source, `DER element #${n} (byte ${p})`)) out.push({ position: out.length + 1, der });
    p = t.end;
  }
  return out;
}

function pemBlocks(text: string, source: string, warnings: string[]): RawBlock[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  if (/PuTTY-User-Key-File/.test(text)) throw privateKeyError(source, 'the input', 'PuTTY key file');
  const blocks: RawBlock[] = [];
  let position = 0;
  let run: { from: number; b64: string } | undefined;
  const endRun = (to: number) => {
    if (run && run.b64.length >= 64) checkBareBase64(run.b64, source, run.from, to);
    run = undefined;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    const m = ARMOUR_RE.exec(line);
    if (!m) {
      // Text between blocks (openssl -text output, comments, blank lines) is dropped, but a run of
      // base64 lines there is decoded: a key or certificate without armour is not passed over.
      const compact = line.replace(/\s+/g, '');
      if (compact && BASE64_LINE_RE.test(compact) && !/^[0-9a-f]+$/i.test(compact)) {
        run = run ?? { from: i + 1, b64: '' };
        run.b64 += compact;
      } else {
        endRun(i);
      }
      if (/PRIVATE KEY/i.test(line) && /BEGIN/i.test(line)) throw privateKeyError(source, `line ${i + 1}`, line.slice(0, 60));
      if (KEY_HEADER_RE.test(line)) throw privateKeyError(source, `line ${i + 1}`, 'the "Proc-Type:"/"DEK-Info:" headers of an encrypted key');
      continue;
    }
    endRun(i);
    const label = m[2].toUpperCase().replace(/\s+/g, ' ');
    if (m[1].toUpperCase() === 'END') {
      throw new Error(`${source}: line ${i + 1}: "-----END ${label}-----" without a matching BEGIN line`);
    }
    position++;
    if (/PRIVATE/.test(label)) throw privateKeyError(source, `block #${position}`, `"-----BEGIN ${label}-----"`);
    const body: string[] = m[3].trim() ? [m[3].trim()] : [];
    let j = i + 1;
    let closed = false;
    for (; j < lines.length; j++) {
      const l = lines[j].trim();
      const e = ARMOUR_RE.exec(l);
      if (e && e[1].toUpperCase() === 'END') {
        const endLabel = e[2].toUpperCase().replace(/\s+/g, ' ');
        if (endLabel !== label) {
          throw new Error(`${source}: block #${position} starts with "BEGIN ${label}" but ends with "END ${endLabel}" (line ${j + 1})`);
        }
        checkAfterEnd(e[3], source, position, j + 1);
        closed = true;
        break;
      }
      if (e) break;
      body.push(l);
    }
    if (!closed) {
      throw new Error(`${source}: block #${position} ("BEGIN ${label}", line ${i + 1}) has no "-----END ${label}-----" line`);
    }
    if (body.some(l => KEY_HEADER_RE.test(l))) {
      throw privateKeyError(source, `block #${position}`, 'the "Proc-Type:"/"DEK-Info:" headers of an encrypted key');
    }
    if (body.some(l => l.includes(':'))) {
      throw new Error(`${source}: block #${position} (line ${i + 1}) has PEM headers (e.g. "Proc-Type:"); certificates in a CA bundle carry none: re-export it with "openssl x509"`);
    }
    const b64 = body.join('').replace(/\s+/g, '');
    if (b64.length === 0 || b64.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) {
      throw new Error(`${source}: block #${position} (line ${i + 1}) is not valid base64; the certificate is corrupt or truncated`);
    }
    const der = Buffer.from(b64, 'base64');
    const where = `block #${position}`;
    if (isPrivateKeyDer(der)) throw privateKeyError(source, where, `labelled "${label}"`);
    if (label === 'PKCS7' || label === 'CMS') {
      for (const c of certificatesIn(der, source, where, label)) blocks.push({ position, der: c });
    } else if (label === 'CERTIFICATE' || label === 'X509 CERTIFICATE' || label === 'TRUSTED CERTIFICATE') {
      const [cert] = certificatesIn(der, source, where, label);
      if (label === 'TRUSTED CERTIFICATE' && cert.length < der.length) {
        warnings.push(`${source}: block #${position} is a "TRUSTED CERTIFICATE" (OpenSSL trust settings); the certificate is kept, its trust settings are not (trust stores do not carry them)`);
      }
      blocks.push({ position, der: cert });
    } else {
      throw new Error(`${source}: block #${position} is a "${label}" block (line ${i + 1}); a CA bundle may only contain CERTIFICATE blocks: remove it`);
    }
    i = j;
  }
  endRun(lines.length);
  return blocks;
}

/**
 * Text after a block's END marker on the same line is never passed over: a key glued after a
 * certificate is a key error, a second armour line needs a line of its own, anything else is named.
 */
function checkAfterEnd(after: string, source: string, position: number, line: number): void {
  const rest = after.trim();
  if (!rest) return;
  if (/PRIVATE\s*KEY/i.test(rest) || KEY_HEADER_RE.test(rest)) {
    throw privateKeyError(source, `line ${line} (after the END of block #${position})`, rest.slice(0, 40));
  }
  if (/-{3,}\s*(BEGIN|END)\b/i.test(rest) || /^(BEGIN|END)\s/i.test(rest)) {
    throw new Error(`${source}: line ${line} holds more than one PEM marker (the END of block #${position} and "${rest.slice(0, 40)}"); put every "-----BEGIN …-----" and "-----END …-----" marker on a line of its own`);
  }
  throw new Error(`${source}: line ${line} has text after the END of block #${position} ("${rest.slice(0, 40)}"); nothing may follow "-----END CERTIFICATE-----" on its line: remove it`);
}

/** A run of base64 lines outside any block: a key is an error; a certificate needs its armour. */
function checkBareBase64(b64: string, source: string, from: number, to: number) {
  const padded = b64.length % 4 === 0 ? b64 : undefined;
  if (!padded) return;
  const der = Buffer.from(padded, 'base64');
  const where = `lines ${from}-${to}`;
  if (isPrivateKeyDer(der)) throw privateKeyError(source, where, 'base64 without armour');
  if (looksLikeCertificate(der)) {
    throw new Error(`${source}: ${where} are a certificate without "-----BEGIN CERTIFICATE-----"/"-----END CERTIFICATE-----" lines; add them`);
  }
}

function toCertificate(block: RawBlock, source: string, options: ParseOptions): ParsedCertificate & { keyUsage?: Set<number> } {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(block.der);
  } catch {
    throw new Error(`${source}: block #${block.position} is not a parsable X.509 certificate (its DER is damaged or truncated)`);
  }
  const subject = oneLine(x509.subject);
  const key = x509.publicKey;
  const bits = key.asymmetricKeyDetails?.modulusLength;
  if (key.asymmetricKeyType === 'rsa' && bits !== undefined && bits < 2048 && !options.allowWeakKeys) {
    throw new Error(`${source}: certificate "${subject}" (block #${block.position}) has a ${bits}-bit RSA key; clients at OpenSSL security level 2 (Python, curl, Debian and RHEL defaults) refuse keys under 2048 bits, so pods would fail at runtime: re-issue the CA with a 2048-bit or larger key, or set allowWeakKeys: true`);
  }
  // Re-encode so the output never carries anything but the DER the parser accepted.
  const raw = x509.raw;
  if (raw[1] !== 0x81 && raw[1] !== 0x82) {
    // the merge init container keeps DER SEQUENCEs with a one- or two-byte length only
    throw new Error(`${source}: certificate "${subject}" (block #${block.position}) is ${raw.length} bytes of DER; pods keep certificates of 131 bytes to 64 KiB only (a larger one would be dropped at pod start): re-issue it smaller`);
  }
  const b64 = raw.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return {
    pem: `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`,
    fingerprint256: x509.fingerprint256,
    subject,
    issuer: oneLine(x509.issuer),
    notBefore: new Date(x509.validFrom),
    notAfter: new Date(x509.validTo),
    isCa: basicConstraintsCa(raw),
    position: block.position,
    keyUsage: keyUsageBits(raw),
  };
}

function oneLine(dn: string): string {
  return dn.split('\n').filter(Boolean).join(', ');
}
