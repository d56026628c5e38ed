/* Node trust on every platform: each generator's output read back by an independent parser of its
 * format (cloud-init's own schema check, Python's tomllib, the platform CRDs, Node's X.509 parser). */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Chart, Testing } from 'cdk8s';
import * as YAML from 'yaml';
import {
  CaSource, ContainerdRegistryCa, K3sDistribution, KarpenterAmiFamily, KarpenterNodeClass, NodeTrust, OpenShiftClusterTrust, OrgCaBundle,
} from '../../src';
import { CONTAINERD_HOSTS_SCRIPT } from '../../src/node/cluster-node-trust';
import { fingerprintOf, makeCa } from '../util/certs';
import { cleanupSandboxes, hostDir, LAYOUTS, requireSandbox, runInImage } from '../util/sandbox';
import { expectAllValid } from '../util/schema';
import { requireTools } from '../util/tools';

const rootA = makeCa('gen-root-a');
const rootB = makeCa('gen-root-b');
afterAll(() => cleanupSandboxes());

function setup(pem = rootA.certPem + rootB.certPem) {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'node-trust' });
  const bundle = new OrgCaBundle(chart, 'ca', { source: CaSource.fromPem(pem), printWarnings: false });
  return { chart, bundle, node: new NodeTrust(bundle) };
}

/** YAML as go-yaml v2 and the platforms' loaders read it (YAML 1.1). */
const yaml11 = (s: string) => YAML.parse(s, { version: '1.1' });
const fingerprints = (pem: string) => (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []).map(p => new X509Certificate(p).fingerprint256);
const EXPECTED = [rootA, rootB].map(c => new X509Certificate(c.certPem).fingerprint256);

function parseToml(toml: string): any {
  return JSON.parse(execFileSync('python3', ['-c', 'import tomllib, json, sys; print(json.dumps(tomllib.loads(sys.stdin.read())))'], { input: toml }).toString());
}
const withPython = requireTools('node trust tests that parse TOML with Python', ['python3']) ? test : test.skip;
const withCloudInit = requireTools('cloud-config test (cloud-init schema)', ['cloud-init']) ? test : test.skip;

describe('cloud-init', () => {
  withCloudInit('a cloud-config with the ca_certs module that cloud-init\'s own schema check accepts, each certificate in trusted', () => {
    const { node } = setup();
    const doc = node.cloudConfig();
    const file = path.join(hostDir('cloud-config'), 'user-data.yaml');
    fs.writeFileSync(file, doc);
    const out = execFileSync('cloud-init', ['schema', '--config-file', file], { stdio: 'pipe' }).toString();
    expect(out).toContain('Valid cloud-config');
    const parsed = yaml11(doc);
    expect(Object.keys(parsed)).toEqual(['ca_certs']);
    expect(Object.keys(parsed.ca_certs)).toEqual(['trusted']); // never remove_defaults: the public roots stay
    expect(parsed.ca_certs.trusted.map((p: string) => fingerprints(p))).toEqual(EXPECTED.map(f => [f]));
    // the check is real: a wrong field is refused
    fs.writeFileSync(file, doc.replace('trusted:', 'trusted_certs:'));
    expect(() => execFileSync('cloud-init', ['schema', '--config-file', file], { stdio: 'pipe' })).toThrow(/trusted_certs/);
  });

  test('enabled: false emits nothing', () => {
    expect(setup().node.cloudConfig({ enabled: false })).toBe('');
  });
});

describe('AKS', () => {
  test('customCATrustCertificates: one base64 PEM certificate per entry; more than 10 is an error; enabled: false emits nothing', () => {
    const { node } = setup();
    const entries = node.aksCustomCaTrustCertificates();
    expect(entries.map(e => new X509Certificate(Buffer.from(e, 'base64').toString('utf8')).fingerprint256)).toEqual(EXPECTED);
    expect(node.aksSecurityProfile()).toEqual({ customCATrustCertificates: entries });
    const eleven = Array.from({ length: 11 }, (_, i) => makeCa(`aks-${i}`).certPem).join('');
    expect(() => setup(eleven).node.aksCustomCaTrustCertificates()).toThrow(/at most 10 certificates; the bundle holds 11/);
    expect(node.aksCustomCaTrustCertificates({ enabled: false })).toEqual([]);
    expect(node.aksSecurityProfile({ enabled: false })).toEqual({});
  });
});

describe('OpenShift', () => {
  test('install-config: additionalTrustBundle (the PEM) and additionalTrustBundlePolicy', () => {
    const { node, bundle } = setup();
    const parsed = yaml11(node.openShiftInstallConfig());
    expect(parsed).toEqual({ additionalTrustBundlePolicy: 'Always', additionalTrustBundle: bundle.pem });
    expect(yaml11(node.openShiftInstallConfig({ policy: 'Proxyonly' })).additionalTrustBundlePolicy).toBe('Proxyonly');
    expect(() => node.openShiftInstallConfig({ policy: 'always' })).toThrow(/additionalTrustBundlePolicy "always" must be "Proxyonly" or "Always"/);
    expect(node.openShiftInstallConfig({ enabled: false })).toBe('');
  });

  test('cluster objects: the trustedCA ConfigMap and Proxy, the registry ConfigMap (":" as "..") and Image; valid against the OpenShift CRDs', () => {
    const { chart, bundle } = setup();
    new OpenShiftClusterTrust(chart, 'ocp', { bundle, registries: ['registry.example.com:5000', 'quay.example.com'] });
    const objs = Testing.synth(chart).filter(o => o.metadata.namespace === 'openshift-config' || o.apiVersion === 'config.openshift.io/v1');
    expect(objs.map(o => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`)).toEqual([
      'ConfigMap/openshift-config/user-ca-bundle', 'Proxy//cluster', 'ConfigMap/openshift-config/org-ca-registries', 'Image//cluster',
    ]);
    expect(objs[0].data).toEqual({ 'ca-bundle.crt': bundle.pem });
    expect(objs[1].spec).toEqual({ trustedCA: { name: 'user-ca-bundle' } });
    expect(Object.keys(objs[2].data).sort()).toEqual(['quay.example.com', 'registry.example.com..5000']);
    expect(objs[3].spec).toEqual({ additionalTrustedCA: { name: 'org-ca-registries' } });
    expectAllValid(objs);
    expect(() => expectAllValid([{ ...objs[1], spec: { trustedCa: { name: 'x' } } }])).toThrow(/trustedCa/);
    const off = setup();
    new OpenShiftClusterTrust(off.chart, 'ocp', { bundle: off.bundle, enabled: false });
    expect(Testing.synth(off.chart).filter(o => o.metadata.namespace === 'openshift-config')).toEqual([]);
  });
});

describe('Talos', () => {
  test('a TrustedRootsConfig document with the PEM', () => {
    const { node, bundle } = setup();
    expect(yaml11(node.talosTrustedRootsConfig())).toEqual({ apiVersion: 'v1alpha1', kind: 'TrustedRootsConfig', name: 'org-ca', certificates: bundle.pem });
    expect(fingerprints(yaml11(node.talosTrustedRootsConfig({ name: 'corp' })).certificates)).toEqual(EXPECTED);
    expect(() => node.talosTrustedRootsConfig({ name: 'Corp CA' })).toThrow(/name "Corp CA" must be lower-case/);
    expect(node.talosTrustedRootsConfig({ enabled: false })).toBe('');
  });
});

describe('k3s and RKE2', () => {
  test('registries.yaml: configs.<registry>.tls.ca_file pointing at the CA file; RKE2 paths; bad registry names refused', () => {
    const { node, bundle } = setup();
    const k3s = node.k3sRegistries({ registries: ['registry.example.com:5000', '10.0.1.2:5000'] });
    expect(k3s.registriesPath).toBe('/etc/rancher/k3s/registries.yaml');
    expect(yaml11(k3s.registriesYaml)).toEqual({
      configs: {
        'registry.example.com:5000': { tls: { ca_file: '/etc/rancher/k3s/org-ca.crt' } },
        '10.0.1.2:5000': { tls: { ca_file: '/etc/rancher/k3s/org-ca.crt' } },
      },
    });
    expect(k3s.caFilePath).toBe('/etc/rancher/k3s/org-ca.crt');
    expect(k3s.caPem).toBe(bundle.pem);
    const rke2 = node.k3sRegistries({ registries: ['r.example.com'], distribution: K3sDistribution.RKE2 });
    expect(yaml11(rke2.registriesYaml).configs['r.example.com'].tls.ca_file).toBe('/etc/rancher/rke2/org-ca.crt');
    for (const bad of ['https://r.example.com', 'r.example.com/path', '*.example.com', 'R.example.com', 'r.example.com:99999', '', 'a b']) {
      expect(() => node.k3sRegistries({ registries: [bad] })).toThrow(/is not a registry host: write a lower-case host name/);
    }
    expect(() => node.k3sRegistries({ registries: [] })).toThrow(/registries is empty/);
    expect(node.k3sRegistries({ registries: ['r.example.com'], enabled: false })).toMatchObject({ registriesYaml: '', caPem: '' });
  });
});

describe('GKE', () => {
  test('containerdConfig.privateRegistryAccessConfig naming the Secret Manager secret, REST field names', () => {
    const { node } = setup();
    const secretUri = 'projects/p1/secrets/org-ca/versions/1';
    expect(node.gkeContainerdConfig({ secretUri, fqdns: ['registry.example.com', '10.0.1.2:5000'] })).toEqual({
      privateRegistryAccessConfig: {
        enabled: true,
        certificateAuthorityDomainConfig: [{ fqdns: ['registry.example.com', '10.0.1.2:5000'], gcpSecretManagerCertificateConfig: { secretUri } }],
      },
    });
    expect(() => node.gkeContainerdConfig({ secretUri: 'org-ca', fqdns: ['r.example.com'] })).toThrow(/must be "projects\/PROJECT\/secrets\/NAME\/versions\/VERSION"/);
    expect(() => node.gkeContainerdConfig({ secretUri, fqdns: ['*.example.com'] })).toThrow(/not a registry host/);
    expect(node.gkeContainerdConfig({ secretUri: 'x', fqdns: [], enabled: false })).toEqual({});
    expect(node.pem()).toContain('-----BEGIN CERTIFICATE-----');
  });
});

describe('Karpenter', () => {
  const spec = { role: 'KarpenterNodeRole', subnetSelectorTerms: [{ tags: { 'karpenter.sh/discovery': 'c1' } }], securityGroupSelectorTerms: [{ tags: { 'karpenter.sh/discovery': 'c1' } }] };

  withPython('EC2NodeClass for AL2023 (MIME user data) and Bottlerocket (TOML), valid against the Karpenter CRD', () => {
    const { chart, bundle, node } = setup();
    new KarpenterNodeClass(chart, 'al', { bundle, name: 'org-al2023', amiFamily: KarpenterAmiFamily.AL2023, spec });
    new KarpenterNodeClass(chart, 'br', { bundle, name: 'org-bottlerocket', amiFamily: KarpenterAmiFamily.BOTTLEROCKET, spec });
    const objs = Testing.synth(chart).filter(o => o.kind === 'EC2NodeClass');
    expectAllValid(objs);
    expect(objs.map(o => o.spec.amiSelectorTerms)).toEqual([[{ alias: 'al2023@latest' }], [{ alias: 'bottlerocket@latest' }]]);
    expect(objs.map(o => o.metadata.namespace)).toEqual([undefined, undefined]); // cluster-scoped, in a namespaced chart
    expect(objs[0].spec.userData).toBe(node.al2023UserData());
    expect(objs[0].spec.userData).toMatch(/^MIME-Version: 1.0\nContent-Type: multipart\/mixed/);
    const settings = parseToml(objs[1].spec.userData);
    expect(fingerprints(Buffer.from(settings.settings.pki['org-ca'].data, 'base64').toString())).toEqual(EXPECTED);
    expect(settings.settings.pki['org-ca'].trusted).toBe(true);
    expect(() => expectAllValid([{ ...objs[0], spec: { ...objs[0].spec, userdata: 'x' } }])).toThrow(/userdata/);
  });

  test('userData is the library\'s; enabled: false emits nothing', () => {
    const { chart, bundle } = setup();
    expect(() => new KarpenterNodeClass(chart, 'x', { bundle, name: 'x', amiFamily: KarpenterAmiFamily.AL2023, spec: { ...spec, userData: 'mine' } })).toThrow(/spec.userData is the library's/);
    new KarpenterNodeClass(chart, 'off', { bundle, name: 'off', amiFamily: KarpenterAmiFamily.AL2023, spec, enabled: false });
    expect(Testing.synth(chart).filter(o => o.kind === 'EC2NodeClass')).toEqual([]);
  });
});

describe('ContainerdRegistryCa (existing clusters)', () => {
  test('a DaemonSet: the CA in its own spec, root without privilege or capabilities, one hostPath directory, every node', () => {
    const { chart, bundle } = setup();
    const ds = new ContainerdRegistryCa(chart, 'ctr', { bundle, registries: ['registry.example.com:5000'], image: 'busybox:1.36', namespace: 'org-ca-system' });
    const objs = Testing.synth(chart).filter(o => o.kind === 'DaemonSet');
    expect(objs).toHaveLength(1);
    expect(ds.daemonSet).toBeDefined();
    expectAllValid(objs);
    const pod = objs[0].spec.template.spec;
    const c = pod.containers[0];
    expect(c.command).toEqual(['/bin/sh', '-c', CONTAINERD_HOSTS_SCRIPT, 'containerd-registry-ca', '/etc/containerd/certs.d', '/host/containerd-certs.d', 'registry.example.com:5000']);
    expect(c.env).toEqual([{ name: 'ORG_CA_PEM', value: bundle.pem }]);
    expect(c.envFrom).toBeUndefined();
    expect(c.securityContext).toMatchObject({ privileged: false, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(pod.volumes).toEqual([{ name: 'containerd-certs', hostPath: { path: '/etc/containerd/certs.d', type: 'DirectoryOrCreate' } }]);
    expect(pod.tolerations).toEqual([{ operator: 'Exists' }]);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(objs[0].spec.template.metadata.annotations['cdk8s-org-ca/bundle-sha256']).toBe(bundle.sha256.slice(0, 16));
  });

  test('bad input is refused by name; enabled: false emits nothing', () => {
    const { chart, bundle } = setup();
    expect(() => new ContainerdRegistryCa(chart, 'a', { bundle, registries: ['r.example.com;reboot'], image: 'busybox' })).toThrow(/"r.example.com;reboot" is not a registry host/);
    expect(() => new ContainerdRegistryCa(chart, 'b', { bundle, registries: ['r.example.com'], image: 'busybox', hostsDir: '/etc/containerd' })).toThrow(/hostsDir "\/etc\/containerd" must be .* ending in \/certs.d/);
    expect(() => new ContainerdRegistryCa(chart, 'c', { bundle, registries: ['r.example.com'], image: 'busy box' })).toThrow(/not an image reference/);
    new ContainerdRegistryCa(chart, 'off', { bundle, registries: [], image: '', enabled: false });
    expect(Testing.synth(chart).filter(o => o.kind === 'DaemonSet')).toEqual([]);
  });

  const sandboxed = requireSandbox('ContainerdRegistryCa script test') && requireTools('ContainerdRegistryCa script test', ['python3', 'busybox']) ? test : test.skip;
  sandboxed('its script, run under busybox sh: hosts.toml and org-ca.crt per registry (read back with tomllib); a hosts.toml it did not write is kept, loudly', async () => {
    const { chart, bundle } = setup();
    const ds = new ContainerdRegistryCa(chart, 'ctr', { bundle, registries: ['registry.example.com:5000', 'docker.io', 'mirror.example.com'], image: 'busybox' });
    const c = Testing.synth(chart).find(o => o.kind === 'DaemonSet').spec.template.spec.containers[0];
    void ds;
    const certs = hostDir('certs.d');
    fs.mkdirSync(path.join(certs, 'mirror.example.com'));
    const own = '[host."https://mirror.internal"]\n  capabilities = ["pull"]\n';
    fs.writeFileSync(path.join(certs, 'mirror.example.com', 'hosts.toml'), own);
    // the loop sleeps after the first pass: stop it there (timeout), the files are written by then
    const argv = [...c.command.slice(0, 3).map((x: string) => x.replace('while sleep 600; do sync "$@"; done', 'exit 0')), ...c.command.slice(3)];
    const r = await runInImage({ layout: LAYOUTS.alpine, systemPem: '', mounts: [{ hostPath: certs, containerPath: '/host/containerd-certs.d' }], uid: 0, gid: 0, env: { ORG_CA_PEM: bundle.pem }, argv });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: \/etc\/containerd\/certs.d\/mirror.example.com\/hosts.toml exists and was not written by cdk8s-org-ca: left as it is/);
    expect(r.stdout).toContain('wrote the org CA for 3 registr(y/ies) under /etc/containerd/certs.d');
    expect(parseToml(fs.readFileSync(path.join(certs, 'registry.example.com:5000', 'hosts.toml'), 'utf8'))).toEqual({
      server: 'https://registry.example.com:5000', ca: '/etc/containerd/certs.d/registry.example.com:5000/org-ca.crt',
    });
    expect(parseToml(fs.readFileSync(path.join(certs, 'docker.io', 'hosts.toml'), 'utf8')).server).toBe('https://registry-1.docker.io');
    expect(fingerprints(fs.readFileSync(path.join(certs, 'registry.example.com:5000', 'org-ca.crt'), 'utf8'))).toEqual(EXPECTED);
    expect(fs.readFileSync(path.join(certs, 'mirror.example.com', 'hosts.toml'), 'utf8')).toBe(own);
    expect(fs.existsSync(path.join(certs, 'mirror.example.com', 'org-ca.crt'))).toBe(false);
    // run again: its own files are rewritten in place (the marker line), nothing else
    const again = await runInImage({ layout: LAYOUTS.alpine, systemPem: '', mounts: [{ hostPath: certs, containerPath: '/host/containerd-certs.d' }], uid: 0, gid: 0, env: { ORG_CA_PEM: rootA.certPem }, argv });
    expect(again.code).toBe(0);
    expect(fingerprints(fs.readFileSync(path.join(certs, 'docker.io', 'org-ca.crt'), 'utf8'))).toEqual([fingerprintOf(rootA.certPem)]);
  });
});
