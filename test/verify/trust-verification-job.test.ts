/* TrustVerificationJob: a Job wired like the namespace's workloads, its script in its own spec. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Chart, Testing } from 'cdk8s';
import * as YAML from 'yaml';
import { CaSource, CaVariables, OrgCaBundle, TrustVerificationJob, VerificationHook, WiringMode } from '../../src';
import { run } from '../../src/cli/main';
import { VERIFY_SCRIPT } from '../../src/verify/trust-verification-job';
import { makeCa } from '../util/certs';
import { expectAllValid } from '../util/schema';

const ca = makeCa('verify-ca');

function synth(props: Partial<ConstructorParameters<typeof TrustVerificationJob>[2]> = {}, useDefaultCAs = false) {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'apps' });
  const bundle = new OrgCaBundle(chart, 'ca', { source: CaSource.fromPem(ca.certPem), printWarnings: false, trustManager: { useDefaultCAs } });
  new TrustVerificationJob(chart, 'verify', { bundle, image: 'python:3.12', orgUrls: ['https://pypi.org/simple/'], ...props });
  const objs = Testing.synth(chart);
  return { objs, job: objs.find(o => o.kind === 'Job') };
}

describe('TrustVerificationJob', () => {
  test('a Job wired by the merge (init container, variables, mounts), the script and URLs in its spec, restricted, valid', () => {
    const { objs, job } = synth({ publicUrl: 'https://example.com' });
    expectAllValid(objs);
    const pod = job.spec.template.spec;
    expect(pod.initContainers.map((c: any) => c.name)).toEqual(['merge-ca-bundle']);
    const c = pod.containers[0];
    expect(c.command).toEqual(['/bin/sh', '-c', VERIFY_SCRIPT, 'org-ca-verify', 'no-overlay', 'https://example.com', 'https://pypi.org/simple/']);
    expect(c.env.map((e: any) => e.name)).toEqual(['HOME', ...CaVariables.DEFAULTS]);
    expect(c.envFrom).toBeUndefined();
    expect(pod.restartPolicy).toBe('Never');
    expect(job.spec.backoffLimit).toBe(0);
    expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(job.metadata.annotations).toEqual({ 'cdk8s-org-ca/bundle-sha256': expect.any(String) });
  });

  test('the wiring given is the wiring it gets: direct mode, other variables, the overlay', () => {
    const { job } = synth({ wiring: { mode: WiringMode.DIRECT, variables: ['SSL_CERT_FILE'], systemBundleOverlay: true } }, true);
    const pod = job.spec.template.spec;
    expect(pod.initContainers).toBeUndefined();
    expect(pod.containers[0].env.map((e: any) => e.name)).toEqual(['HOME', 'SSL_CERT_FILE']);
    expect(pod.containers[0].command[4]).toBe('overlay');
    expect(pod.containers[0].volumeMounts.some((m: any) => m.mountPath === '/etc/ssl/certs/ca-certificates.crt')).toBe(true);
  });

  test('hooks: Argo CD PostSync, Helm test', () => {
    expect(synth({ hook: VerificationHook.ARGO_CD_POST_SYNC }).job.metadata.annotations).toMatchObject({ 'argocd.argoproj.io/hook': 'PostSync', 'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation' });
    expect(synth({ hook: VerificationHook.HELM_TEST }).job.metadata.annotations).toMatchObject({ 'helm.sh/hook': 'test', 'helm.sh/hook-delete-policy': 'before-hook-creation' });
  });

  test('URLs reach the script as arguments and are checked: https only, no quotes, spaces or "$"', () => {
    for (const bad of ['http://pypi.org', 'https://pypi.org/$(reboot)', "https://a.example/'x'", 'https://a b', 'pypi.org']) {
      expect(() => synth({ orgUrls: [bad] })).toThrow(/is not an https URL/);
    }
    expect(() => synth({ orgUrls: [] })).toThrow(/orgUrls is empty/);
    expect(() => synth({ publicUrl: 'ftp://x' })).toThrow(/publicUrl "ftp:\/\/x" is not an https URL/);
  });
});

describe('the command: verify-job', () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'verify-')), 'ca.pem');
  fs.writeFileSync(file, ca.certPem);
  const cli = (...args: string[]) => {
    let out = '';
    const errs: string[] = [];
    const code = run(['verify-job', '--ca', file, ...args], () => '', s => {
      out += s;
    }, l => errs.push(l));
    return { code, out, errs };
  };

  test('prints the Job alone, wired with the wire options, in the namespace given', () => {
    const r = cli('--namespace', 'apps', '--org-url', 'https://pypi.org/simple/', '--job-image', 'python:3.12', '--hook', 'argocd', '--system-bundle-overlay', '--variables', 'SSL_CERT_FILE');
    expect(r.errs).toEqual([]);
    const docs = YAML.parseAllDocuments(r.out).map(d => d.toJSON());
    expect(docs.map(d => `${d.kind}/${d.metadata.namespace}/${d.metadata.name}`)).toEqual(['Job/apps/org-ca-verify']);
    expectAllValid(docs);
    const c = docs[0].spec.template.spec.containers[0];
    expect(c.env.map((e: any) => e.name)).toEqual(['HOME', 'SSL_CERT_FILE']);
    expect(c.command.slice(4)).toEqual(['overlay', '', 'https://pypi.org/simple/']);
    expect(docs[0].metadata.annotations['argocd.argoproj.io/hook']).toBe('PostSync');
  });

  test('bad input in the command\'s words', () => {
    expect(cli('--namespace', 'apps', '--job-image', 'x').errs.join('\n')).toMatch(/--org-url URL is required/);
    expect(cli('--namespace', 'apps', '--org-url', 'http://x', '--job-image', 'x').errs.join('\n')).toMatch(/^--org-url "http:\/\/x" is not an https URL/);
    expect(cli('--namespace', 'apps', '--org-url', 'https://x', '--job-image', 'x', '--hook', 'post').errs.join('\n')).toMatch(/--hook "post" is not none, argocd or helm-test/);
    expect(cli('--org-url', 'https://x', '--job-image', 'x').code).toBe(2);
  });
});
