import * as fs from 'node:fs';
import * as path from 'node:path';
import { Chart, Testing } from 'cdk8s';
import * as fc from 'fast-check';
import { CaSource, OrgCaBundle } from '../../src';
import { parseCaBundle, CONFIGMAP_LIMIT_BYTES } from '../../src/bundle/pem';
import { derOf, FIXTURE_DIR, fingerprintOf, fingerprintsIn, makeCa, pkcs7Of, privateKeyFixtures, textForm, trustedCertificateOf } from '../util/certs';

const rootA = makeCa('root-a');
const rootB = makeCa('root-b', { alg: 'rsa' });
const interC = makeCa('inter-c');

describe('parseCaBundle accepts what real bundles contain', () => {
  test('several certificates are all kept, in order', () => {
    const r = parseCaBundle(rootA.certPem + rootB.certPem + interC.certPem, 'x');
    expect(r.certificates.map(c => c.subject)).toEqual(['O=Test Org, CN=root-a', 'O=Test Org, CN=root-b', 'O=Test Org, CN=inter-c']);
    expect(fingerprintsIn(r.pem)).toEqual([rootA, rootB, interC].map(c => fingerprintOf(c.certPem)));
  });

  test.each([
    ['CRLF line ends', () => (rootA.certPem + rootB.certPem).replace(/\n/g, '\r\n')],
    ['a UTF-8 BOM', () => '\uFEFF' + rootA.certPem + rootB.certPem],
    ['openssl x509 -text output between blocks', () => textForm(rootA) + textForm(rootB)],
    ['# comments and blank lines', () => `# org CA bundle\n\n# root A\n${rootA.certPem}\n\n# root B\n${rootB.certPem}`],
    ['trailing spaces', () => (rootA.certPem + rootB.certPem).replace(/\n/g, '  \n')],
    ['no final newline', () => (rootA.certPem + rootB.certPem).trimEnd()],
  ])('%s', (_what, make) => {
    const r = parseCaBundle(make(), 'x');
    expect(r.certificates).toHaveLength(2);
    expect(r.pem).toBe(parseCaBundle(rootA.certPem + rootB.certPem, 'y').pem);
    expect(r.pem.endsWith('-----END CERTIFICATE-----\n')).toBe(true);
    expect(r.pem).not.toMatch(/\r|\uFEFF| \n|\n\n/);
  });

  test('a single DER certificate', () => {
    const r = parseCaBundle(derOf(rootA), 'root.der');
    expect(r.certificates).toHaveLength(1);
    expect(fingerprintsIn(r.pem)).toEqual([fingerprintOf(rootA.certPem)]);
  });

  test('duplicates are kept once, in first-seen order, with a warning', () => {
    const r = parseCaBundle(rootA.certPem + rootB.certPem + rootA.certPem, 'x');
    expect(r.certificates.map(c => c.subject)).toEqual(['O=Test Org, CN=root-a', 'O=Test Org, CN=root-b']);
    expect(r.warnings.join('\n')).toMatch(/block #3 \(O=Test Org, CN=root-a\) repeats an earlier certificate/);
  });

  test('sha256 depends only on the set of certificates', () => {
    const a = parseCaBundle(rootA.certPem + rootB.certPem, 'x').sha256;
    expect(parseCaBundle(`# c\r\n${rootB.certPem}\n\n${rootA.certPem}${rootA.certPem}`, 'x').sha256).toBe(a);
    expect(parseCaBundle(rootA.certPem, 'x').sha256).not.toBe(a);
    expect(parseCaBundle(rootA.certPem + rootB.certPem + interC.certPem, 'x').sha256).not.toBe(a);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('parseCaBundle warns, never drops silently', () => {
  test('expired certificate', () => {
    const old = makeCa('expired-ca', { notBefore: '20100101000000Z', notAfter: '20200101000000Z' });
    const r = parseCaBundle(old.certPem, 'x');
    expect(r.certificates).toHaveLength(1);
    expect(r.warnings).toEqual([expect.stringMatching(/"[^"]*CN=expired-ca[^"]*" \(block #1\) expired on 2020-01-01T00:00:00.000Z/)]);
  });
  test('a certificate that expires within 30 days (expiryWarningDays), said with the days left and what to do', () => {
    const soon = makeCa('soon-ca', { notBefore: '20260101000000Z', notAfter: '20261210000000Z' });
    const now = new Date('2026-11-28T00:00:00Z');
    expect(parseCaBundle(soon.certPem, 'x', now).warnings).toEqual([
      expect.stringMatching(/"[^"]*CN=soon-ca[^"]*" \(block #1\) expires on 2026-12-10T00:00:00.000Z, in 12 day\(s\); distribute its successor now, next to it/),
    ]);
    expect(parseCaBundle(soon.certPem, 'x', now, { expiryWarningDays: 10 }).warnings).toEqual([]);
    expect(parseCaBundle(soon.certPem, 'x', now, { expiryWarningDays: 0 }).warnings).toEqual([]);
    expect(parseCaBundle(soon.certPem, 'x', new Date('2026-11-01T00:00:00Z')).warnings).toEqual([]);
  });
  test('OrgCaBundle: expiryWarningDays must be a whole number of days', () => {
    const chart = new Chart(Testing.app(), 'c');
    expect(() => new OrgCaBundle(chart, 'ca', { source: CaSource.fromPem(rootA.certPem), expiryWarningDays: -1 })).toThrow(/expiryWarningDays -1 is not a whole number of days/);
    const soon = makeCa('soon-bundle-ca', { days: 5 });
    const bundle = new OrgCaBundle(chart, 'ok', { source: CaSource.fromPem(soon.certPem), expiryWarningDays: 7, printWarnings: false });
    expect(bundle.warnings).toEqual([expect.stringMatching(/expires on .*, in 4 day\(s\)/)]);
  });
  test('not yet valid certificate', () => {
    const future = makeCa('future-ca', { notBefore: '20990101000000Z', notAfter: '20991231000000Z' });
    const r = parseCaBundle(future.certPem, 'x', new Date('2026-11-22T00:00:00Z'));
    expect(r.warnings).toEqual([expect.stringMatching(/"[^"]*CN=future-ca[^"]*" \(block #1\) is not valid before 2099-01-01T00:00:00.000Z/)]);
  });
  test('certificate that is not a CA', () => {
    const leaf = makeCa('a-leaf', { type: 'leaf' });
    const r = parseCaBundle(rootA.certPem + leaf.certPem, 'x');
    expect(r.certificates).toHaveLength(2);
    expect(r.warnings).toEqual([expect.stringMatching(/"O=Test Org, CN=a-leaf" \(block #2\) is not a CA/)]);
  });
});

describe('parseCaBundle rejects with an error naming the block', () => {
  test.each(Object.entries(privateKeyFixtures()))('private key: %s', (_flavour, key) => {
    expect(() => parseCaBundle(rootA.certPem + key, 'bundle.pem')).toThrow(/bundle\.pem: block #2 is a private key .*remove the key/);
    expect(() => parseCaBundle(key + rootA.certPem, 'bundle.pem')).toThrow(/block #1 is a private key/);
  });

  test('no certificate at all', () => {
    expect(() => parseCaBundle('just some text\n', 'inline PEM')).toThrow('no PEM certificate found in inline PEM');
    expect(() => parseCaBundle('', 'inline PEM')).toThrow('no PEM certificate found');
    expect(() => parseCaBundle(Buffer.from('hello'), 'f.der')).toThrow('no PEM certificate found in f.der');
  });

  test('another PEM type', () => {
    const csr = '-----BEGIN CERTIFICATE REQUEST-----\nQUJD\n-----END CERTIFICATE REQUEST-----\n';
    expect(() => parseCaBundle(rootA.certPem + csr, 'x')).toThrow(/block #2 is a "CERTIFICATE REQUEST" block .*only contain CERTIFICATE blocks/);
    const params = '-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n';
    expect(() => parseCaBundle(params + rootA.certPem, 'x')).toThrow(/block #1 is a "EC PARAMETERS" block/);
  });

  test.each(Object.entries(privateKeyFixtures()).filter(([k]) => !k.startsWith('OPENSSH')))('a %s glued after "-----END CERTIFICATE-----", with or without a space: refused as a key', (_n, key) => {
    for (const glue of ['', ' ', '\t']) {
      const text = rootA.certPem.replace(/-----END CERTIFICATE-----\n$/, `-----END CERTIFICATE-----${glue}`) + key;
      expect(() => parseCaBundle(text, 'x')).toThrow(/x: line \d+ \(after the END of block #1\) is a private key/);
    }
  });

  test('text after an END marker: named, with the fix; two certificates on one line: one marker per line', () => {
    expect(() => parseCaBundle(rootA.certPem.replace(/-----END CERTIFICATE-----\n$/, '-----END CERTIFICATE-----garbage\n'), 'x'))
      .toThrow(/x: line \d+ has text after the END of block #1 \("garbage"\); nothing may follow "-----END CERTIFICATE-----" on its line/);
    const twoOnOneLine = rootA.certPem.replace(/\n$/, '') + rootB.certPem;
    expect(() => parseCaBundle(twoOnOneLine, 'x')).toThrow(/x: line \d+ holds more than one PEM marker .*put every "-----BEGIN …-----" and "-----END …-----" marker on a line of its own/);
  });

  test('"Proc-Type:" or "DEK-Info:" (an encrypted key\'s headers) anywhere: a key error', () => {
    const inBlock = rootA.certPem.replace('-----BEGIN CERTIFICATE-----\n', '-----BEGIN CERTIFICATE-----\nDEK-Info: AES-128-CBC,00\n\n');
    expect(() => parseCaBundle(rootB.certPem + inBlock, 'x')).toThrow(/block #2 is a private key \(the "Proc-Type:"\/"DEK-Info:" headers/);
    expect(() => parseCaBundle(`${rootA.certPem}Proc-Type: 4,ENCRYPTED\n`, 'x')).toThrow(/x: line \d+ is a private key \(the "Proc-Type:"/);
  });

  test('PEM headers', () => {
    const withHeaders = rootA.certPem.replace('-----BEGIN CERTIFICATE-----\n', '-----BEGIN CERTIFICATE-----\nComment: exported\n\n');
    expect(() => parseCaBundle(rootB.certPem + withHeaders, 'x')).toThrow(/block #2 .*has PEM headers/);
  });

  test('corrupt base64', () => {
    const lines = rootA.certPem.split('\n');
    lines[3] = lines[3].slice(0, 10) + '!!' + lines[3].slice(12);
    expect(() => parseCaBundle(rootB.certPem + lines.join('\n'), 'x')).toThrow(/block #2 .*is not valid base64/);
  });

  test('valid base64 that is not a certificate', () => {
    const bogus = '-----BEGIN CERTIFICATE-----\n' + Buffer.from('definitely not DER at all!!').toString('base64') + '\n-----END CERTIFICATE-----\n';
    expect(() => parseCaBundle(rootA.certPem + bogus, 'x')).toThrow(/block #2 is not a parsable X.509 certificate/);
  });

  test('truncated block and mismatched markers', () => {
    const truncated = rootA.certPem.split('\n').slice(0, 5).join('\n');
    expect(() => parseCaBundle(rootB.certPem + truncated, 'x')).toThrow(/block #2 .*has no "-----END CERTIFICATE-----" line/);
    expect(() => parseCaBundle(rootA.certPem.replace('END CERTIFICATE', 'END X509 CRL'), 'x')).toThrow(/starts with "BEGIN CERTIFICATE" but ends with "END X509 CRL"/);
    expect(() => parseCaBundle('-----END CERTIFICATE-----\n' + rootA.certPem, 'x')).toThrow(/without a matching BEGIN/);
  });

  test('a certificate over 64 KiB of DER, which the pods\' filter would drop, is refused at synth time', () => {
    const huge = makeCa('huge-64k', { padding: 66_000 });
    expect(derOf(huge).length).toBeGreaterThan(65_539);
    expect(() => parseCaBundle(rootA.certPem + huge.certPem, 'big.pem')).toThrow(/big\.pem: certificate "O=Test Org, CN=huge-64k" \(block #2\) is \d+ bytes of DER; pods keep certificates of 131 bytes to 64 KiB only/);
    // the largest the pods keep, and the smallest real CA (Ed25519, under 256 bytes: a one-byte DER length), pass
    const small = makeCa('ed-ca', { alg: 'ed25519', minimal: true });
    expect(derOf(small).length).toBeLessThan(256);
    expect(parseCaBundle(makeCa('big-64k', { padding: 65_000 }).certPem + small.certPem, 'ok.pem').certificates).toHaveLength(2);
  });

  test('over the 1 MiB ConfigMap limit, with the size in the error', () => {
    // many distinct certificates: the limit is about the normalised output, not the input
    const many: string[] = [];
    let size = 0;
    for (let i = 0; size <= CONFIGMAP_LIMIT_BYTES; i++) {
      const c = makeCa(`bulk-${i}`, { padding: 60_000 }).certPem;
      many.push(c);
      size += c.length;
    }
    expect(() => parseCaBundle(many.join(''), 'big.pem')).toThrow(/big\.pem: the bundle is \d{7} bytes after normalisation, over the 1048576-byte \(1 MiB\) ConfigMap limit/);
  });
});

describe('property: output is exactly the unique certificates and never key material', () => {
  const certs = [rootA, rootB, interC, makeCa('prop-d'), makeCa('prop-e', { alg: 'rsa' })];
  const keys = Object.values(privateKeyFixtures());
  const junk = ['', '\n', '\r\n', '   ', '# comment\n', 'Certificate:\n    Data:\n        Version: 3 (0x2)\n', '\uFEFF', 'garbage text without markers\n'];

  type Piece = { t: 'cert'; i: number } | { t: 'key'; i: number } | { t: 'junk'; i: number };
  const piece: fc.Arbitrary<Piece> = fc.oneof(
    { weight: 5, arbitrary: fc.integer({ min: 0, max: certs.length - 1 }).map(i => ({ t: 'cert' as const, i })) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: keys.length - 1 }).map(i => ({ t: 'key' as const, i })) },
    { weight: 3, arbitrary: fc.integer({ min: 0, max: junk.length - 1 }).map(i => ({ t: 'junk' as const, i })) },
  );

  test('random mixes of certificates, keys, junk and whitespace', () => {
    const certFps = certs.map(c => fingerprintOf(c.certPem));
    fc.assert(fc.property(fc.array(piece, { maxLength: 12 }), fc.boolean(), (pieces, crlf) => {
      let text = pieces.map(p => (p.t === 'cert' ? certs[p.i].certPem : p.t === 'key' ? keys[p.i] : junk[p.i])).join('');
      if (crlf) text = text.replace(/\n/g, '\r\n');
      const hasKey = pieces.some(p => p.t === 'key');
      const expected = Array.from(new Set(pieces.filter(p => p.t === 'cert').map(p => certFps[p.i])));
      let result;
      try {
        result = parseCaBundle(text, 'prop');
      } catch (e) {
        // throwing is only right when there is a key or no certificate
        expect(hasKey || expected.length === 0).toBe(true);
        return;
      }
      expect(hasKey).toBe(false);
      expect(result.pem).not.toMatch(/PRIVATE KEY/);
      expect(result.certificates.map(c => c.fingerprint256)).toEqual(expected);
    }), { numRuns: 150 });
  });
});

describe('strict CA input', () => {
  const keys = privateKeyFixtures();
  const root = makeCa('strict-root');
  const der = (pem: string) => Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s/g, ''), 'base64');
  const wrap = (b64: string) => b64.replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  const b64Of = (pem: string) => wrap(der(pem).toString('base64'));

  /** Every armour operators paste keys in; each returns the input text or bytes. */
  const armours: Record<string, (pem: string, rng: { dashes: number; spaces: string; caseOf: (s: string) => string }) => string | Buffer> = {
    'odd case and dashes': (pem, r) => {
      const label = /BEGIN ([A-Z0-9 ]+)-/.exec(pem)?.[1] ?? 'PRIVATE KEY';
      const d = '-'.repeat(r.dashes);
      const l = r.caseOf(label).replace(/ /g, r.spaces);
      return `${d}${r.caseOf('BEGIN')} ${l}${d}\n${b64Of(pem)}\n${d}${r.caseOf('END')} ${l}${d}\n`;
    },
    'text after the BEGIN line': pem => pem.replace(/(-----BEGIN [^-]+-----)\n/, '$1 '),
    'under a CERTIFICATE label': pem => `-----BEGIN CERTIFICATE-----\n${b64Of(pem)}\n-----END CERTIFICATE-----\n`,
    'no armour, wrapped': pem => `${b64Of(pem)}\n`,
    'no armour, one line': pem => der(pem).toString('base64'),
    'DER key appended to a DER certificate': pem => Buffer.concat([derOf(root), der(pem)]),
    'DER key alone': pem => der(pem),
    'CRLF': pem => pem.replace(/\n/g, '\r\n'),
  };
  const binaryKeys = Object.entries(keys).filter(([k]) => !k.startsWith('OPENSSH'));

  test('property: >= 200 private-key variations, in any armour, before or after a CA, are refused naming the key; nothing synthesizes', () => {
    let runs = 0;
    fc.assert(fc.property(
      fc.constantFrom(...Object.keys(armours)),
      fc.constantFrom(...binaryKeys.map(([k]) => k), 'OPENSSH (BEGIN OPENSSH PRIVATE KEY)'),
      fc.integer({ min: 3, max: 8 }),
      fc.constantFrom(' ', '  ', '\t', ' \t '),
      fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
      fc.constantFrom('alone', 'after a CA', 'before a CA'),
      (armour, keyName, dashes, spaces, upper, where) => {
        runs++;
        let i = 0;
        const caseOf = (s: string) => s.split('').map(ch => (upper[i++ % upper.length] ? ch.toUpperCase() : ch.toLowerCase())).join('');
        const keyPem = keys[keyName];
        const bad = armours[armour](keyPem, { dashes, spaces, caseOf });
        const input: string | Buffer = typeof bad === 'string'
          ? (where === 'alone' ? bad : where === 'after a CA' ? root.certPem + bad : bad + '\n' + root.certPem)
          : bad;
        let message = '';
        try {
          parseCaBundle(input, 'k.pem');
        } catch (e) {
          message = (e as Error).message;
        }
        // refused, as a key, without echoing any of it
        expect(message).toMatch(/is a private key .*remove the key and keep only the certificates/);
        expect(message).not.toContain(der(keyPem).toString('base64').slice(20, 60));
        const app = Testing.app();
        const chart = new Chart(app, 'c');
        const file = path.join(FIXTURE_DIR, 'key-variation.bin');
        fs.writeFileSync(file, input);
        const source = typeof input === 'string' ? CaSource.fromPem(input) : CaSource.fromFile(file);
        expect(() => new OrgCaBundle(chart, 'ca', { source })).toThrow(/is a private key/);
        expect(Testing.synth(chart)).toEqual([]);
      },
    ), { numRuns: 240, seed: 4242 });
    expect(runs).toBeGreaterThanOrEqual(200);
  });

  test('TRUSTED CERTIFICATE (openssl -trustout): the certificate is kept, the trust settings dropped with a warning', () => {
    const r = parseCaBundle(trustedCertificateOf(root), 'trusted.pem');
    expect(r.certificates.map(c => c.fingerprint256)).toEqual([fingerprintOf(root.certPem)]);
    expect(r.warnings.join('\n')).toMatch(/block #1 is a "TRUSTED CERTIFICATE" \(OpenSSL trust settings\); the certificate is kept/);
  });

  test('PKCS#7 (.p7b), as PEM and as DER: every certificate in it is extracted', () => {
    const other = makeCa('strict-other');
    const p7 = pkcs7Of(root, other);
    const want = [fingerprintOf(root.certPem), fingerprintOf(other.certPem)];
    expect(parseCaBundle(p7, 'ad-cs.p7b').certificates.map(c => c.fingerprint256)).toEqual(want);
    const pem = `-----BEGIN PKCS7-----\n${wrap(p7.toString('base64'))}\n-----END PKCS7-----\n`;
    expect(parseCaBundle(pem, 'ad-cs.p7b.pem').certificates.map(c => c.fingerprint256)).toEqual(want);
  });

  test.each([['UTF-16LE', 'utf16le', [0xff, 0xfe]], ['UTF-16BE', 'utf16be', [0xfe, 0xff]]])('%s with a BOM is decoded', (_n, enc, bom) => {
    const le = Buffer.from(root.certPem, 'utf16le');
    const body = enc === 'utf16be' ? Buffer.from(le).swap16() : le;
    expect(parseCaBundle(Buffer.concat([Buffer.from(bom), body]), 'win.pem').certificates).toHaveLength(1);
  });

  test('UTF-16 without a BOM: an error naming UTF-16 and the conversion', () => {
    expect(() => parseCaBundle(Buffer.from(root.certPem, 'utf16le'), 'win.pem')).toThrow(/looks like UTF-16 without a byte-order mark; save it as UTF-8 \(e.g. iconv -f UTF-16LE -t UTF-8\)/);
  });

  test('DER input with trailing bytes is refused', () => {
    expect(() => parseCaBundle(Buffer.concat([derOf(root), Buffer.from('junk!')]), 'ca.der')).toThrow(/ca\.der: 5 trailing byte\(s\) at byte \d+ are not DER/);
  });

  test('a 1024-bit RSA CA is an error by default (clients refuse it), accepted with allowWeakKeys', () => {
    const weak = makeCa('strict-weak', { alg: 'rsa', bits: 1024 });
    expect(() => parseCaBundle(weak.certPem, 'x')).toThrow(/has a 1024-bit RSA key; clients at OpenSSL security level 2 .*re-issue the CA with a 2048-bit or larger key, or set allowWeakKeys: true/);
    expect(parseCaBundle(weak.certPem, 'x', new Date(), { allowWeakKeys: true }).certificates).toHaveLength(1);
    expect(new OrgCaBundle(new Chart(Testing.app(), 'c'), 'ca', { source: CaSource.fromPem(weak.certPem), allowWeakKeys: true, printWarnings: false }).certificates).toHaveLength(1);
  });

  test('CA:TRUE without keyCertSign: a warning that says what clients do', () => {
    const ca = makeCa('strict-no-certsign', { keyUsage: 0x80 });
    expect(parseCaBundle(ca.certPem, 'x').warnings.join('\n')).toMatch(/is a CA \(basicConstraints CA:TRUE\) but its keyUsage does not allow keyCertSign/);
    expect(parseCaBundle(root.certPem, 'x').warnings).toEqual([]);
  });

  test('an intermediate without its root: a warning that clients needing the root will fail; with the root: none', () => {
    const inter = makeCa('strict-intermediate', { issuer: root });
    expect(parseCaBundle(inter.certPem, 'x').warnings.join('\n')).toMatch(/is an intermediate issued by "O=Test Org, CN=strict-root", which is not in the bundle; clients that must build the chain .*add the root certificate/);
    expect(parseCaBundle(inter.certPem + root.certPem, 'x').warnings).toEqual([]);
  });

  test('10,000 duplicates: one summary warning, not 9,999 lines', () => {
    const r = parseCaBundle(root.certPem.repeat(10_000), 'dup.pem');
    expect(r.certificates).toHaveLength(1);
    expect(r.warnings).toEqual([expect.stringMatching(/^dup\.pem: 9999 duplicate certificates dropped, each kept once \(first: block #2/)]);
  });

  test('no OpenSSL internals in messages', () => {
    const broken = root.certPem.replace(/\n(.{8})/, '\nAAAAAAAA');
    let message = '';
    try {
      parseCaBundle(broken, 'x');
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/block #1 is not a parsable X.509 certificate/);
    expect(message).not.toMatch(/routines|error:[0-9A-F]{8}|asn1|ASN1/);
  });
});
