import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { trustedCertificatesJks } from '../../src/bundle/jks';
import { KEYTOOL_SCRIPT, MERGE_SCRIPT } from '../../src/pod/init-scripts';
import { derOf, fingerprintOf, fingerprintsIn, makeCa } from '../util/certs';
import { cleanupSandboxes, hostDir, LAYOUTS, requireSandbox, runInImage } from '../util/sandbox';
import { eachOrSkip, requireTools } from '../util/tools';

const enabled = requireSandbox('merge script tests (dash and busybox in image sandboxes)');
const d = enabled ? describe : describe.skip;
/** The shells on this machine: a missing one skips its cases (outside CI) with the reason printed. */
const SHELLS = (['dash', 'busybox'] as const).filter(sh => requireTools(`merge script tests under ${sh}`, [sh]));

const pub1 = makeCa('script-public-1');
const pub2 = makeCa('script-public-2', { alg: 'rsa' });
const org1 = makeCa('script-org-1');
const org2 = makeCa('script-org-2');
const systemPem = pub1.certPem + pub2.certPem;
const orgPem = org1.certPem + org2.certPem;
const org3 = makeCa('script-org-3', { alg: 'rsa' });

/**
 * A damaged bundle ConfigMap: a stray line, a block of non-base64, a block that lost a line in the
 * middle, a block cut short, and the two valid org certificates (one with CRLF line ends).
 */
const lines = org3.certPem.trimEnd().split('\n');
const CORRUPTED = [
  'this line is not PEM',
  '-----BEGIN CERTIFICATE-----', 'not*base64!', '-----END CERTIFICATE-----',
  org1.certPem.trimEnd(),
  [...lines.slice(0, 4), ...lines.slice(5)].join('\n'),
  org2.certPem.replace(/\n/g, '\r\n').trimEnd(),
  lines.slice(0, 6).join('\n'),
].join('\n') + '\n';
const ONLY_GARBAGE = 'garbage\n-----BEGIN CERTIFICATE-----\nQUJD\n-----END CERTIFICATE-----\n';

afterAll(() => cleanupSandboxes());

interface Case {
  layout: keyof typeof LAYOUTS;
  shell: 'dash' | 'busybox';
  orgCa: 'present' | 'missing' | 'no-final-newline';
  systemNewline: boolean;
}

const cases: Case[] = [];
for (const layout of Object.keys(LAYOUTS) as Array<keyof typeof LAYOUTS>) {
  if (!(SHELLS as readonly string[]).includes(LAYOUTS[layout].shell)) continue;
  for (const shell of SHELLS) {
    for (const orgCa of ['present', 'missing', 'no-final-newline'] as const) {
      cases.push({ layout, shell, orgCa, systemNewline: orgCa !== 'no-final-newline' });
    }
  }
}

interface ScriptRun {
  shell: 'dash' | 'busybox';
  script: string;
  args: string[];
  /** org CA file content; undefined: the optional ConfigMap is missing */
  org?: string;
  layout?: keyof typeof LAYOUTS;
  system?: string;
  mergedReadOnly?: boolean;
  timeoutMs?: number;
  /** removed from the image (shell globs) */
  removePaths?: string[];
}

/** Runs a script as the init container does: source and merged volumes mounted, read-only root, uid 65534. */
async function runScript(o: ScriptRun) {
  const src = hostDir('src');
  const out = hostDir('merged');
  if (o.org !== undefined) fs.writeFileSync(path.join(src, 'org-ca.crt'), o.org);
  const sh = o.shell === 'dash' ? ['/bin/dash', '-c'] : ['busybox', 'sh', '-c'];
  const r = await runInImage({
    layout: LAYOUTS[o.layout ?? 'debian'],
    systemPem: o.system ?? systemPem,
    mounts: [
      { hostPath: src, containerPath: '/var/run/org-ca/source', readOnly: true },
      { hostPath: out, containerPath: '/etc/ssl/certs-extra', readOnly: o.mergedReadOnly },
    ],
    readOnlyRoot: true,
    argv: [...sh, o.script, ...o.args],
    timeoutMs: o.timeoutMs,
    removePaths: o.removePaths,
  });
  return { r, out };
}

const NO_SYSTEM_BUNDLE = 'merge-ca-bundle: warning: no system CA bundle in this image: only the org CA is trusted, public TLS calls will fail; use an image with one (e.g. ca-certificates)';
const MERGE_ARGS = ['merge-ca-bundle', '/var/run/org-ca/source/org-ca.crt', '/etc/ssl/certs-extra/ca-bundle.crt'];
const KEYTOOL_ARGS = ['merge-ca-truststore', '/var/run/org-ca/source/org-ca.crt', '/etc/ssl/certs-extra/java-cacerts', 'changeit'];

function merge(c: Case) {
  return runScript({
    shell: c.shell,
    script: MERGE_SCRIPT,
    args: MERGE_ARGS,
    org: c.orgCa === 'missing' ? undefined : c.orgCa === 'no-final-newline' ? orgPem.trimEnd() : orgPem,
    layout: c.layout,
    system: c.systemNewline ? systemPem : systemPem.trimEnd(),
  });
}

d('merge script under dash and busybox, per image family', () => {
  eachOrSkip(cases, 'merge script cases')('$layout / $shell / org CA $orgCa', async (c) => {
    const { r, out } = await merge(c);
    const hasSystem = LAYOUTS[c.layout].systemBundlePaths.length > 0;
    // an image without a system bundle is said out loud: its pods trust the org CA only
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: hasSystem ? '' : `${NO_SYSTEM_BUNDLE}\n` });
    const merged = fs.readFileSync(path.join(out, 'ca-bundle.crt'), 'utf8');
    const expected = [
      ...(hasSystem ? [pub1, pub2] : []),
      ...(c.orgCa === 'missing' ? [] : [org1, org2]),
    ].map(x => fingerprintOf(x.certPem));
    // every certificate parses (openssl) and the set is exactly system + org
    expect(fingerprintsIn(merged)).toEqual(expected);
    // one line saying what it used
    const line = r.stdout.trim();
    expect(line.split('\n')).toHaveLength(1);
    expect(line).toContain(hasSystem ? `system bundle ${LAYOUTS[c.layout].systemBundlePaths[0]}` : 'no system bundle found');
    expect(line).toContain(c.orgCa === 'missing' ? 'no org CA' : '+ org CA /var/run/org-ca/source/org-ca.crt');
    // no temp file left behind, readable by other users
    expect(fs.readdirSync(out)).toEqual(['ca-bundle.crt']);
    expect((fs.statSync(path.join(out, 'ca-bundle.crt')).mode % 0o1000).toString(8)).toBe('644');
  });

  const damaged = cases.filter(c => c.orgCa === 'present');
  eachOrSkip(damaged, 'damaged bundle cases')('$layout / $shell: a damaged org CA keeps its valid certificates, drops the rest and says so', async (c) => {
    const { r, out } = await runScript({ shell: c.shell, script: MERGE_SCRIPT, args: MERGE_ARGS, org: CORRUPTED, layout: c.layout });
    expect(r.code).toBe(0);
    const merged = fs.readFileSync(path.join(out, 'ca-bundle.crt'), 'utf8');
    const hasSystem = LAYOUTS[c.layout].systemBundlePaths.length > 0;
    expect(fingerprintsIn(merged)).toEqual([...(hasSystem ? [pub1, pub2] : []), org1, org2].map(x => fingerprintOf(x.certPem)));
    // nothing but whole certificate blocks: a TLS client loads the file (the damaged lines would make it refuse all of it)
    expect(merged).not.toMatch(/not PEM|not\*base64|\r/);
    expect(merged.match(/-----BEGIN/g)).toHaveLength(hasSystem ? 4 : 2);
    expect(r.stdout).toContain('(2 certificate(s) kept, 3 malformed block(s) dropped)');
    expect(r.stderr).toBe(`${hasSystem ? '' : `${NO_SYSTEM_BUNDLE}\n`}merge-ca-bundle: warning: dropped 3 malformed block(s) of /var/run/org-ca/source/org-ca.crt\n`);
  });

  eachOrSkip(SHELLS, 'shells')('%s: an org CA with no valid certificate degrades to the system bundle, loudly; with "fail" the init container fails', async (shell) => {
    const degraded = await runScript({ shell, script: MERGE_SCRIPT, args: MERGE_ARGS, org: ONLY_GARBAGE });
    expect(degraded.r.code).toBe(0);
    expect(fingerprintsIn(fs.readFileSync(path.join(degraded.out, 'ca-bundle.crt'), 'utf8'))).toEqual([pub1, pub2].map(x => fingerprintOf(x.certPem)));
    expect(degraded.r.stderr).toMatch(/holds no valid certificate: the org CA is NOT trusted, using the system bundle only/);
    const failed = await runScript({ shell, script: MERGE_SCRIPT, args: [...MERGE_ARGS, 'fail'], org: ONLY_GARBAGE });
    expect(failed.r.code).toBe(1);
    expect(failed.r.stderr).toMatch(/holds no valid certificate; failing \(onInvalidBundle: FAIL\)/);
    expect(fs.readdirSync(failed.out)).toEqual([]);
  });

  eachOrSkip(SHELLS, 'shells')('%s: every size the synth-time check accepts is kept: an Ed25519 CA under 256 bytes of DER and 64 KiB ones', async (shell) => {
    const small = makeCa('ed-ca', { alg: 'ed25519', minimal: true });
    expect(derOf(small).length).toBeLessThan(256); // a one-byte DER length (0x81), "MI[GH]…"
    const large = [1, 2].map(i => makeCa(`script-64k-${i}`, { padding: 65_000 }));
    // and one 1 MiB block (a three-byte DER length: more than any certificate the synth-time check accepts)
    const hugeDer = Buffer.concat([Buffer.from([0x30, 0x83, 0x10, 0x00, 0x00]), Buffer.alloc(0x100000, 7)]);
    const huge = `-----BEGIN CERTIFICATE-----\n${hugeDer.toString('base64').replace(/(.{64})/g, '$1\n').trimEnd()}\n-----END CERTIFICATE-----\n`;
    const org = small.certPem + large[0].certPem + huge + large[1].certPem;
    const { r, out } = await runScript({ shell, script: MERGE_SCRIPT, args: MERGE_ARGS, org });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('(3 certificate(s) kept, 1 malformed block(s) dropped)');
    const merged = fs.readFileSync(path.join(out, 'ca-bundle.crt'), 'utf8');
    expect(fingerprintsIn(merged)).toEqual([pub1, pub2, small, ...large].map(x => fingerprintOf(x.certPem)));
    expect(merged.endsWith(small.certPem + large[0].certPem + large[1].certPem)).toBe(true);
  });

  eachOrSkip(SHELLS, 'shells')('fails, saying why, only when it cannot write (%s)', async (shell) => {
    const { r } = await runScript({ shell, script: MERGE_SCRIPT, args: MERGE_ARGS, org: orgPem, mergedReadOnly: true });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/merge-ca-bundle: cannot write \/etc\/ssl\/certs-extra\/ca-bundle\.crt \(is the merged volume mounted and writable\?\)/);
  });
});

const haveKeytool = enabled && requireTools('keytool trust store script', ['keytool']);

(haveKeytool ? describe : describe.skip)('keytool trust store script', () => {
  eachOrSkip(SHELLS, 'shells')('imports every org CA certificate into a copy of the JVM cacerts (%s)', async (shell) => {
    const { r, out } = await runScript({
      shell,
      script: KEYTOOL_SCRIPT,
      args: KEYTOOL_ARGS,
      org: orgPem,
      timeoutMs: 120_000,
    });
    expect({ code: r.code, stderr: r.stderr.replace(/^Picked up .*\n/gm, '') }).toEqual({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/merge-ca-truststore: wrote \/etc\/ssl\/certs-extra\/java-cacerts from JVM cacerts \S+ \+ 2 org CA certificate\(s\)/);
    const list = execFileSync('keytool', ['-list', '-keystore', path.join(out, 'java-cacerts'), '-storepass', 'changeit']).toString();
    expect(list).toMatch(/^org-ca-1,/m);
    expect(list).toMatch(/^org-ca-2,/m);
    // public roots of the JVM are still there
    const total = Number(/contains (\d+) entr/.exec(list)![1]);
    expect(total).toBeGreaterThan(50);
    const fp1 = fingerprintOf(org1.certPem);
    expect(list.replace(/\s/g, '')).toContain(fp1.replace(/\s/g, ''));
  });

  eachOrSkip(SHELLS, 'shells')('a damaged org CA: only the valid certificates are imported, the rest dropped with a warning (%s)', async (shell) => {
    const { r, out } = await runScript({
      shell,
      script: KEYTOOL_SCRIPT,
      args: KEYTOOL_ARGS,
      org: CORRUPTED,
      timeoutMs: 120_000,
    });
    expect(r.code).toBe(0);
    expect(r.stderr.replace(/^Picked up .*\n/gm, '')).toBe('merge-ca-truststore: warning: dropped 3 malformed block(s) of /var/run/org-ca/source/org-ca.crt\n');
    expect(r.stdout).toMatch(/\+ 2 org CA certificate\(s\) \(3 malformed block\(s\) dropped, 2 keytool run\(s\)\)/);
    const list = execFileSync('keytool', ['-list', '-keystore', path.join(out, 'java-cacerts'), '-storepass', 'changeit']).toString();
    expect(list).toMatch(/^org-ca-2,/m);
    expect(list).not.toMatch(/^org-ca-3,/m);
  });

  (SHELLS.length ? test : test.skip)('no valid certificate: the JVM roots are kept with a warning; with "fail" it fails', async () => {
    const args = KEYTOOL_ARGS;
    const kept = await runScript({ shell: SHELLS[0], script: KEYTOOL_SCRIPT, args, org: ONLY_GARBAGE, timeoutMs: 120_000 });
    expect(kept.r.code).toBe(0);
    expect(kept.r.stderr).toMatch(/the org CA is NOT trusted, keeping the JVM roots only/);
    expect(fs.existsSync(path.join(kept.out, 'java-cacerts'))).toBe(true);
    const failed = await runScript({ shell: SHELLS[0], script: KEYTOOL_SCRIPT, args: [...args, '', '', 'fail'], org: ONLY_GARBAGE, timeoutMs: 120_000 });
    expect(failed.r.code).toBe(1);
    expect(fs.readdirSync(failed.out)).toEqual([]);
  });
});

/** keytool wherever a Debian or RHEL JDK puts it; with the JVM itself, every trace of Java. */
const KEYTOOL_PATHS = ['/usr/bin/keytool', '/etc/alternatives/keytool', '/usr/lib/jvm/*/bin/keytool', '/usr/lib/jvm/*/jre/bin/keytool'];
const JVM_PATHS = [...KEYTOOL_PATHS, '/usr/bin/java', '/etc/alternatives/java', '/usr/lib/jvm', '/etc/ssl/certs/java', '/etc/pki/java', '/etc/pki/ca-trust/extracted/java'];

(haveKeytool ? describe : describe.skip)('a chart-wide Java option on an image it does not fit: the pod still starts, loudly', () => {
  (SHELLS.length ? test : test.skip)('no keytool and no JVM (not a Java image): exit 0, a warning, an empty store file (a cacerts overlay then mounts a file)', async () => {
    const { r, out } = await runScript({ shell: SHELLS[0], script: KEYTOOL_SCRIPT, args: KEYTOOL_ARGS, org: orgPem, removePaths: JVM_PATHS });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('merge-ca-truststore: warning: no keytool and no JVM in this image: the Java trust store /etc/ssl/certs-extra/java-cacerts is empty (JAVA_TOOL_OPTIONS has no effect without a JVM)\n');
    expect(fs.readdirSync(out)).toEqual(['java-cacerts']);
    expect(fs.statSync(path.join(out, 'java-cacerts')).size).toBe(0);
  });

  (SHELLS.length ? test : test.skip)('a JVM without keytool: its own cacerts at the store path, a warning that the org CA is not trusted', async () => {
    const { r, out } = await runScript({
      shell: SHELLS[0], script: KEYTOOL_SCRIPT, args: KEYTOOL_ARGS, org: orgPem, removePaths: KEYTOOL_PATHS, timeoutMs: 120_000,
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^merge-ca-truststore: warning: no keytool in this image: \/etc\/ssl\/certs-extra\/java-cacerts is the JVM's own cacerts \(\S+\) WITHOUT the org CA, so Java does NOT trust it/);
    const list = execFileSync('keytool', ['-list', '-keystore', path.join(out, 'java-cacerts'), '-storepass', 'changeit']).toString();
    expect(Number(/contains (\d+) entr/.exec(list)![1])).toBeGreaterThan(50);
    expect(list).not.toMatch(/^org-ca-1,/m);
  });
});

/** Runs the keytool script on this machine with a keytool shim that counts JVM starts. */
function keytoolRuns(pem: string, jks?: Buffer) {
  const dir = hostDir('keytool-count');
  const shim = path.join(dir, 'bin');
  fs.mkdirSync(shim);
  const real = execFileSync('sh', ['-c', 'command -v keytool']).toString().trim();
  fs.writeFileSync(path.join(shim, 'keytool'), `#!/bin/sh\necho run >> ${dir}/count\nexec ${real} "$@"\n`, { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'org.pem'), pem);
  if (jks) fs.writeFileSync(path.join(dir, 'org.jks'), jks);
  const javaHome = path.dirname(path.dirname(fs.realpathSync(real)));
  const start = process.hrtime.bigint();
  const out = execFileSync('sh', ['-c', KEYTOOL_SCRIPT, 'merge-ca-truststore', path.join(dir, 'org.pem'), path.join(dir, 'store'), 'changeit', jks ? path.join(dir, 'org.jks') : '', jks ? 'changeit' : ''], {
    env: { PATH: `${shim}:${process.env.PATH}`, JAVA_HOME: javaHome }, stdio: 'pipe',
  }).toString();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const count = fs.readFileSync(path.join(dir, 'count'), 'utf8').trim().split('\n').length;
  const list = execFileSync(real, ['-list', '-keystore', path.join(dir, 'store'), '-storepass', 'changeit']).toString();
  return { out, count, ms, list };
}

(haveKeytool ? describe : describe.skip)('keytool: one JVM start per pod', () => {
  const five = [1, 2, 3, 4, 5].map(i => makeCa(`jvm-count-${i}`));
  const pem = five.map(c => c.certPem).join('');

  test('with the JKS the library writes, five certificates take one keytool run; without it, five', () => {
    const jks = trustedCertificatesJks(five.map(derOf), 'changeit');
    const one = keytoolRuns(pem, jks);
    expect(one.count).toBe(1);
    expect(one.out).toMatch(/\+ 5 org CA certificate\(s\) \(0 malformed block\(s\) dropped, 1 keytool run\(s\)\)/);
    for (let i = 1; i <= 5; i++) expect(one.list).toMatch(new RegExp(`^org-ca-${i},`, 'm'));
    expect(one.list.replace(/\s/g, '')).toContain(fingerprintOf(five[4].certPem).replace(/\s/g, ''));
    const each = keytoolRuns(pem);
    expect(each.count).toBe(5);
  }, 120_000);

  test('a damaged JKS: a warning, and the PEM certificates are imported one by one', () => {
    const bad = trustedCertificatesJks(five.map(derOf), 'other-password');
    const r = keytoolRuns(pem, bad);
    expect(r.count).toBe(6);
    expect(r.list).toMatch(/^org-ca-5,/m);
  }, 120_000);
});
