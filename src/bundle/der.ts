/**
 * A minimal DER reader: enough to tell a certificate from a private key, unwrap PKCS#7 and
 * `TRUSTED CERTIFICATE` containers and read a certificate's keyUsage. Never throws on bad input:
 * `readTlv` returns undefined where the bytes are not DER.
 * @internal
 */

/** One DER element. @internal */
export interface Tlv {
  readonly tag: number;
  /** Offset of the tag byte in the buffer. */
  readonly start: number;
  /** Offset of the first content byte. */
  readonly contentStart: number;
  /** Offset just after the element. */
  readonly end: number;
}

/** Reads the element at `at`, or undefined when the bytes there are not a well-formed DER header. @internal */
export function readTlv(buf: Buffer, at = 0, limit = buf.length): Tlv | undefined {
  if (at + 2 > limit) return undefined;
  const tag = buf[at];
  if (tag % 32 === 31) return undefined; // high tag numbers: not used by anything we read
  let len = buf[at + 1];
  let p = at + 2;
  if (len >= 0x80) {
    const n = len - 0x80;
    if (n === 0 || n > 4 || p + n > limit) return undefined;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p + i];
    p += n;
  }
  if (p + len > limit) return undefined;
  return { tag, start: at, contentStart: p, end: p + len };
}

/** The children of a constructed element (undefined when they do not tile its content exactly). @internal */
export function children(buf: Buffer, t: Tlv): Tlv[] | undefined {
  const out: Tlv[] = [];
  for (let p = t.contentStart; p < t.end;) {
    const c = readTlv(buf, p, t.end);
    if (!c) return undefined;
    out.push(c);
    p = c.end;
  }
  return out;
}

/** The bytes of an element. @internal */
export function bytesOf(buf: Buffer, t: Tlv): Buffer {
  return buf.subarray(t.start, t.end);
}

/** Dotted form of an OBJECT IDENTIFIER element. @internal */
export function oidOf(buf: Buffer, t: Tlv): string | undefined {
  if (t.tag !== 0x06 || t.end === t.contentStart) return undefined;
  const first = buf[t.contentStart];
  const parts = [Math.floor(first / 40), first % 40];
  let v = 0;
  for (let i = t.contentStart + 1; i < t.end; i++) {
    v = v * 128 + (buf[i] % 128);
    if (buf[i] < 0x80) {
      parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

const SEQ = 0x30;
const INT = 0x02;
const OCTETS = 0x04;

/** OIDs of the PKCS#5/PKCS#12 encryption schemes of EncryptedPrivateKeyInfo. */
const ENCRYPTED_KEY_ALGS = /^1\.2\.840\.113549\.1\.(5|12)\./;

/**
 * Whether `der` is a private key in a form some tool writes: PKCS#8 PrivateKeyInfo,
 * EncryptedPrivateKeyInfo, PKCS#1 RSAPrivateKey, SEC1 ECPrivateKey, DSA, or an OpenSSH key blob.
 * @internal
 */
export function isPrivateKeyDer(der: Buffer): boolean {
  if (der.subarray(0, 15).toString('latin1') === 'openssh-key-v1\0') return true;
  const top = readTlv(der);
  if (!top || top.tag !== SEQ) return false;
  const kids = children(der, top);
  if (!kids || kids.length < 2) return false;
  const [a, b] = kids;
  // PKCS#8: INTEGER version, SEQUENCE algorithm, OCTET STRING key
  if (a.tag === INT && b.tag === SEQ && kids[2]?.tag === OCTETS) return true;
  // EncryptedPrivateKeyInfo: SEQUENCE { OID encryption scheme, params }, OCTET STRING
  if (a.tag === SEQ && b.tag === OCTETS && kids.length === 2) {
    const alg = children(der, a);
    const id = alg?.[0] ? oidOf(der, alg[0]) : undefined;
    if (id && ENCRYPTED_KEY_ALGS.test(id)) return true;
  }
  // SEC1: INTEGER 1, OCTET STRING private key, [0] parameters?, [1] public key?
  if (a.tag === INT && b.tag === OCTETS && der[a.contentStart] === 1) return true;
  // PKCS#1 RSA (9 INTEGERs, version 0) and DSA (6 INTEGERs, version 0)
  if ((kids.length === 9 || kids.length === 6) && kids.every(k => k.tag === INT) && der[a.contentStart] === 0) return true;
  return false;
}

/**
 * Whether `der` has the shape of an X.509 certificate: SEQUENCE { SEQUENCE tbs, SEQUENCE alg, BIT STRING }.
 * @internal
 */
export function looksLikeCertificate(der: Buffer, t: Tlv | undefined = readTlv(der)): boolean {
  if (!t || t.tag !== SEQ) return false;
  const kids = children(der, t);
  return !!kids && kids.length === 3 && kids[0].tag === SEQ && kids[1].tag === SEQ && kids[2].tag === 0x03;
}

/**
 * The certificates of a PKCS#7 / CMS SignedData ContentInfo (`.p7b`, the usual Windows / AD CS
 * export), or undefined when `der` is not one.
 * @internal
 */
export function pkcs7Certificates(der: Buffer): Buffer[] | undefined {
  const top = readTlv(der);
  if (!top || top.tag !== SEQ) return undefined;
  const kids = children(der, top);
  if (!kids || kids.length < 2 || oidOf(der, kids[0]) !== '1.2.840.113549.1.7.2' || kids[1].tag !== 0xa0) return undefined;
  const signedData = readTlv(der, kids[1].contentStart, kids[1].end);
  const sd = signedData && signedData.tag === SEQ ? children(der, signedData) : undefined;
  const certSet = sd?.find(k => k.tag === 0xa0);
  if (!sd || !certSet) return sd ? [] : undefined;
  const certs = children(der, certSet) ?? [];
  return certs.filter(c => looksLikeCertificate(der, c)).map(c => bytesOf(der, c));
}

/** The DER value (inside the OCTET STRING) of a certificate extension, or undefined. */
function extensionValue(cert: Buffer, id: string): { buf: Buffer; t: Tlv } | undefined {
  const top = readTlv(cert);
  const tbs = top && children(cert, top)?.[0];
  const fields = tbs && children(cert, tbs);
  const extsWrapper = fields?.find(f => f.tag === 0xa3);
  const extSeq = extsWrapper && readTlv(cert, extsWrapper.contentStart, extsWrapper.end);
  for (const e of (extSeq && children(cert, extSeq)) ?? []) {
    const parts = children(cert, e);
    if (!parts || oidOf(cert, parts[0]) !== id) continue;
    const value = parts[parts.length - 1];
    const inner = readTlv(cert, value.contentStart, value.end);
    return inner ? { buf: cert, t: inner } : undefined;
  }
  return undefined;
}

/**
 * The keyUsage bits of a certificate (bit 0 = digitalSignature … bit 5 = keyCertSign), or
 * undefined when it has no keyUsage extension.
 * @internal
 */
export function keyUsageBits(cert: Buffer): Set<number> | undefined {
  const v = extensionValue(cert, '2.5.29.15');
  if (!v) return undefined;
  const set = new Set<number>();
  if (v.t.tag !== 0x03) return set;
  for (let i = v.t.contentStart + 1; i < v.t.end; i++) {
    for (let bit = 0; bit < 8; bit++) {
      if (Math.floor(cert[i] / 2 ** (7 - bit)) % 2 === 1) set.add((i - v.t.contentStart - 1) * 8 + bit);
    }
  }
  return set;
}

/** Whether the certificate's basicConstraints say CA:TRUE (whatever its keyUsage says). @internal */
export function basicConstraintsCa(cert: Buffer): boolean {
  const v = extensionValue(cert, '2.5.29.19');
  const first = v && v.t.tag === 0x30 ? children(cert, v.t)?.[0] : undefined;
  return !!first && first.tag === 0x01 && cert[first.contentStart] !== 0;
}
