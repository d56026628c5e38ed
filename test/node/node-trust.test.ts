import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Chart, Testing } from 'cdk8s';
import { CaSource, NodeTrust, OrgCaBundle } from '../../src';
import { fingerprintOf, fingerprintsIn, makeCa } from '../util/certs';
import { cleanupSandboxes, hostDir, LAYOUTS, requireSandbox, runInImage } from '../util/sandbox';
import { requireTools } from '../util/tools';

const rootA = makeCa('node-root-a');
const rootB = makeCa('node-root-b');
const rhelBase = makeCa('node-rhel-base');

afterAll(() => cleanupSandboxes());

function nodeTrust(pem = rootA.certPem + rootB.certPem) {
  const bundle = new OrgCaBundle(new Chart(Testing.app(), 'c'), 'ca', { source: CaSource.fromPem(pem), printWarnings: false });
  return { bundle, node: new NodeTrust(bundle) };
}

/** Parses MIME with Python's email package (independent of the library). */
function parseMime(doc: string): Array<{ type: string; payload: string }> {
  const py = [
    'import email, json, sys',
    'm = email.message_from_string(sys.stdin.read())',
    'assert m.is_multipart(), "not multipart"',
    'print(json.dumps([{"type": p.get_content_type(), "payload": p.get_payload()} for p in m.get_payload()]))',
  ].join('\n');
  return JSON.parse(execFileSync('python3', ['-c', py], { input: doc }).toString());
}

function parseToml(toml: string): any {
  return JSON.parse(execFileSync('python3', ['-c', 'import tomllib, json, sys; print(json.dumps(tomllib.loads(sys.stdin.read())))'], { input: toml }).toString());
}

/** Python's email and tomllib parse the output independently of the library. */
const withPython = requireTools('NodeTrust tests that parse MIME and TOML with Python', ['python3']) ? test : test.skip;

describe('NodeTrust', () => {
  withPython('AL2023 user data: MIME multi-part, CA script first, the user parts after it in order', () => {
    const { node } = nodeTrust();
    const nodeConfig = 'apiVersion: node.eks.aws/v1alpha1\nkind: NodeConfig\nspec:\n  cluster:\n    name: demo\n';
    const doc = node.al2023UserData({ parts: [{ contentType: 'application/node.eks.aws', content: nodeConfig }, { contentType: 'text/x-shellscript', content: '#!/bin/sh\necho mine\n' }] });
    const parts = parseMime(doc);
    expect(parts.map(p => p.type)).toEqual(['text/x-shellscript', 'application/node.eks.aws', 'text/x-shellscript']);
    expect(parts[0].payload.trimEnd()).toBe(node.al2023Script().trimEnd());
    expect(parts[1].payload.trimEnd()).toBe(nodeConfig.trimEnd());
    expect(parts[2].payload).toContain('echo mine');
    // the script carries exactly the bundle's certificates
    expect(fingerprintsIn(parts[0].payload)).toEqual([fingerprintOf(rootA.certPem), fingerprintOf(rootB.certPem)]);
    expect(parts[0].payload).toContain('update-ca-trust extract');
  });

  withPython('Bottlerocket TOML and JSON carry the base64 PEM and trusted = true', () => {
    const { node, bundle } = nodeTrust();
    const toml = parseToml(node.bottlerocketToml());
    expect(toml).toEqual(node.bottlerocketSettings());
    expect(toml.settings.pki['org-ca'].trusted).toBe(true);
    expect(Buffer.from(toml.settings.pki['org-ca'].data, 'base64').toString('utf8')).toBe(bundle.pem);
    expect(Object.keys(parseToml(node.bottlerocketToml('corp-root')).settings.pki)).toEqual(['corp-root']);
  });

  test.each([
    [(n: NodeTrust) => n.bottlerocketToml('Bad Name'), /pki setting name "Bad Name"/],
    [(n: NodeTrust) => n.al2023Script('../x.crt'), /anchorFileName "..\/x.crt" must be a plain file name/],
    [(n: NodeTrust) => n.al2023UserData({ parts: [{ contentType: 'text/plain\nX-Injected: 1', content: '' }] }), /must be one line/],
  ])('bad input is refused (%#)', (call, err) => {
    expect(() => call(nodeTrust().node)).toThrow(err);
  });

  (requireSandbox('AL2023 user-data script on a RHEL-style root') && requireTools('the AL2023 user-data script test', ['python3']) ? test : test.skip)('the shell part, run as root over a RHEL-style root, lands the CA and rebuilds the bundle', async () => {
    const { node } = nodeTrust();
    const script = parseMime(node.al2023UserData())[0].payload;
    const userdata = hostDir('userdata');
    fs.writeFileSync(path.join(userdata, 'part-001'), script, { mode: 0o755 });
    // Debian has no update-ca-trust (RHEL's ca-certificates): a stub with its extract behaviour,
    // the base bundle plus every anchor, into the extracted PEM bundle.
    const stub = hostDir('stub');
    fs.writeFileSync(path.join(stub, 'update-ca-trust'), [
      '#!/bin/sh',
      '[ "$1" = extract ] || { echo "usage: update-ca-trust extract" >&2; exit 2; }',
      'out=/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem',
      'mkdir -p "$(dirname "$out")"',
      'cat /etc/pki/tls/certs/ca-bundle.crt /etc/pki/ca-trust/source/anchors/* > "$out.new" && mv "$out.new" "$out"',
      'echo "update-ca-trust (stub): extracted $(grep -c "BEGIN CERTIFICATE" "$out") certificates"',
    ].join('\n') + '\n', { mode: 0o755 });
    const r = await runInImage({
      layout: LAYOUTS.rhel,
      systemPem: rhelBase.certPem,
      uid: 0,
      mounts: [{ hostPath: userdata, containerPath: '/var/lib/cloud/instance/scripts', readOnly: true }, { hostPath: stub, containerPath: '/usr/local/sbin', readOnly: true }],
      argv: ['/bin/sh', '-c', '/bin/sh /var/lib/cloud/instance/scripts/part-001 && echo ===ANCHOR && cat /etc/pki/ca-trust/source/anchors/org-ca.crt && echo ===BUNDLE && cat /etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem && stat -c %a /etc/pki/ca-trust/source/anchors/org-ca.crt'],
    });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    const [, anchor, bundleAndMode] = r.stdout.split(/===ANCHOR\n|===BUNDLE\n/);
    expect(r.stdout).toContain('update-ca-trust (stub): extracted 3 certificates');
    expect(fingerprintsIn(anchor)).toEqual([fingerprintOf(rootA.certPem), fingerprintOf(rootB.certPem)]);
    expect(fingerprintsIn(bundleAndMode)).toEqual([rhelBase, rootA, rootB].map(c => fingerprintOf(c.certPem)));
    expect(bundleAndMode.trim().split('\n').pop()).toBe('644');
    expect(fs.existsSync('/etc/pki/ca-trust/source/anchors/org-ca.crt')).toBe(false); // the host is untouched
  });
});
