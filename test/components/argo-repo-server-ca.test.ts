import { ApiObject, Testing } from 'cdk8s';
import { ArgoRepoServerCa } from '../../src';
import { makeCa } from '../util/certs';
import { chartWithBundle, envOf, manifest, podSpec } from '../util/fixtures';
import { expectAllValid } from '../util/schema';

const ca = makeCa('argo-ca');

function repoServer(chart: any, name = 'argocd-repo-server') {
  return new ApiObject(chart, name, manifest('Deployment', name, podSpec({ containers: [{ name: 'repo', image: 'quay.io/argoproj/argocd:v2.14.2' }] })));
}

describe('ArgoRepoServerCa', () => {
  test('GIVEN the repo-server WHEN applyTo THEN install-time argocd-org-ca under the component, merged into certs-combined', () => {
    const { chart, bundle } = chartWithBundle(ca.certPem, 'argocd');
    const argo = new ArgoRepoServerCa(chart, 'argo', { bundle, syncWave: -1 });
    argo.applyTo(repoServer(chart));
    const cm = argo.node.findAll().find(c => ApiObject.isApiObject(c) && (c as ApiObject).kind === 'ConfigMap');
    expect(cm).toBeDefined(); // the component's own object lives under its scope
    const objs = Testing.synth(chart);
    const cmJson = objs.find(o => o.kind === 'ConfigMap' && o.metadata.name === 'argocd-org-ca');
    expect(cmJson.metadata).toMatchObject({ namespace: 'argocd', annotations: { 'argocd.argoproj.io/sync-wave': '-1' } });
    expect(Object.keys(cmJson.data)).toEqual(['ca.crt']);
    expect(objs.find(o => o.metadata?.name === 'argocd-tls-certs-cm')).toBeUndefined();
    const pod = objs.find(o => o.kind === 'Deployment').spec.template.spec;
    expect(pod.initContainers[0].command.slice(-1)).toEqual([ArgoRepoServerCa.MERGED_FILE]);
    expect(pod.volumes).toContainEqual({ name: 'org-ca', configMap: { name: 'argocd-org-ca', optional: true } });
    // the install-time ConfigMap is the only object the repo-server reads
    expect(objs.filter(o => o.kind === 'ConfigMap').map(o => o.metadata.name)).toEqual(['argocd-org-ca']);
    const f = ArgoRepoServerCa.MERGED_FILE;
    expect(envOf(pod.containers[0], objs, 'argocd')).toEqual(Object.fromEntries(ArgoRepoServerCa.VARIABLES.map(v => [v, f])));
    expect(ArgoRepoServerCa.VARIABLES).toContain('REQUESTS_CA_BUNDLE'); // the AWS CLI in plugins reads it
    expectAllValid(objs);
  });

  test('refuses anything but the repo-server Deployment', () => {
    const { chart, bundle } = chartWithBundle(ca.certPem);
    const ctl = new ApiObject(chart, 'ctl', { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'argocd-application-controller' }, spec: {} });
    expect(() => new ArgoRepoServerCa(chart, 'argo', { bundle }).applyTo(ctl)).toThrow(/only wires the Argo CD repo-server Deployment \(a name ending in "repo-server"\) or an argocd-operator ArgoCD resource, not StatefulSet "argocd-application-controller"/);
  });

  test('helmValues: the four repoServer keys as plain JSON, with the image; an empty image is an error', () => {
    const { chart, bundle } = chartWithBundle(ca.certPem);
    const argo = new ArgoRepoServerCa(chart, 'argo', { bundle });
    const v = argo.helmValues('quay.io/argoproj/argocd:v2.14.2');
    expect(Object.keys(v.repoServer).sort()).toEqual(['env', 'initContainers', 'volumeMounts', 'volumes']);
    expect(v.repoServer.initContainers[0].image).toBe('quay.io/argoproj/argocd:v2.14.2');
    expect(v.repoServer.initContainers[0].resources.limits).toEqual({ cpu: '100m', memory: '64Mi' });
    expect(v.repoServer.env.map((e: any) => e.name)).toEqual(ArgoRepoServerCa.VARIABLES);
    // the values read the install-time ConfigMap only: Argo CD need not deliver anything else first
    expect(v.repoServer.volumes[0]).toEqual({ name: 'org-ca', configMap: { name: 'argocd-org-ca', optional: true } });
    expect(v.repoServer.initContainers[0].command.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(Testing.synth(chart).filter(o => o.kind === 'ConfigMap').map(o => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual(['argocd/argocd-org-ca']);
    expect(() => argo.helmValues('')).toThrow(/pass the repo-server image/);
  });
});

describe('ArgoRepoServerCa on an argocd-operator ArgoCD resource', () => {
  const argocdCr = (chart: any, repo: any = {}) => new ApiObject(chart, 'argocd-cr', {
    apiVersion: 'argoproj.io/v1beta1', kind: 'ArgoCD', metadata: { name: 'argocd' }, spec: { repo },
  });

  test('spec.repo.systemCATrust gets the install-time ConfigMap, image certificates kept; schema-valid against the operator CRD', () => {
    const { chart, bundle } = chartWithBundle(ca.certPem, 'argocd');
    new ArgoRepoServerCa(chart, 'argo', { bundle }).applyTo(argocdCr(chart, { systemCATrust: { secrets: [{ name: 'corp' }] } }));
    const objs = Testing.synth(chart);
    const cr = objs.find(o => o.kind === 'ArgoCD');
    expect(cr.spec.repo.systemCATrust).toEqual({ secrets: [{ name: 'corp' }], configMaps: [{ name: 'argocd-org-ca', items: [{ key: 'ca.crt', path: 'org-ca.crt' }] }] });
    expect(objs.find(o => o.kind === 'ConfigMap' && o.metadata.name === 'argocd-org-ca')).toBeDefined();
    expectAllValid(objs);
  });

  test('dropImageCertificates: true (public roots dropped) and another namespace are errors', () => {
    const a = chartWithBundle(ca.certPem, 'argocd');
    new ArgoRepoServerCa(a.chart, 'argo', { bundle: a.bundle }).applyTo(argocdCr(a.chart, { systemCATrust: { dropImageCertificates: true } }));
    expect(() => Testing.synth(a.chart)).toThrow(/dropImageCertificates: true, which drops the image's public roots/);
    const b = chartWithBundle(ca.certPem, 'gitops');
    new ArgoRepoServerCa(b.chart, 'argo', { bundle: b.bundle }).applyTo(argocdCr(b.chart));
    expect(() => Testing.synth(b.chart)).toThrow(/is in namespace "gitops", but the org CA ConfigMap is created in "argocd"; set namespace: "gitops"/);
  });
});
