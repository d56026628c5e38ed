import { createHash } from 'node:crypto';

/**
 * A JKS key store of trusted certificates only (the format `keytool` reads on every JRE), so the
 * Java init container imports every org certificate with one `keytool -importkeystore`: one JVM
 * start per pod whatever the number of certificates.
 *
 * Format: magic 0xFEEDFEED, version 2, entry count; per entry tag 2 (trusted certificate), alias
 * (modified UTF-8), creation time (ms), certificate type "X.509", DER length and bytes; then
 * SHA-1(password as UTF-16BE + "Mighty Aphrodite" + everything before) for integrity.
 *
 * @param certificates DER of each certificate, in order (aliases org-ca-1, org-ca-2, ...)
 * @param password integrity password (ASCII)
 * @param created creation time written in every entry (fixed, so the output is reproducible)
 * @internal
 */
export function trustedCertificatesJks(certificates: Buffer[], password: string, created = 0): Buffer {
  const parts: Buffer[] = [];
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  const utf = (s: string) => {
    const b = Buffer.from(s, 'utf8');
    const l = Buffer.alloc(2);
    l.writeUInt16BE(b.length);
    return Buffer.concat([l, b]);
  };
  parts.push(u32(0xfeedfeed), u32(2), u32(certificates.length));
  certificates.forEach((der, i) => {
    const time = Buffer.alloc(8);
    time.writeBigUInt64BE(BigInt(created));
    parts.push(u32(2), utf(`org-ca-${i + 1}`), time, utf('X.509'), u32(der.length), der);
  });
  const body = Buffer.concat(parts);
  const pw = Buffer.from(password, 'utf16le').swap16();
  const digest = createHash('sha1').update(pw).update(Buffer.from('Mighty Aphrodite', 'utf8')).update(body).digest();
  return Buffer.concat([body, digest]);
}
