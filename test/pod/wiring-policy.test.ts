/* The per-object policy through its two front ends: CaTrust.wireAll (cdk8s objects, synth time)
 * and CaTrust.wireManifests (plain manifests, no construct tree). */
import { ApiObject, Chart, Testing } from 'cdk8s';
import { CaTrust, WireAllOptions, WiringOutcome } from '../../src';
import { makeCa } from '../util/certs';
import { chartWithBundle, manifest, podOf, podSpec } from '../util/fixtures';
import { expectAllValid } from '../util/schema';
import { takeWarnings } from '../util/warnings';

const ca = makeCa('policy-ca');

const rollout = (name: string, namespace: string) => ({
  apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name, namespace }, spec: { template: { metadata: {}, spec: podSpec() } },
});

/** One input of every case the policy decides. */
function inputs(): any[] {
  return [
    manifest('Deployment', 'api', podSpec(), 'apps'),
    manifest('CronJob', 'report', podSpec(), 'apps'),
    manifest('Job', 'once', podSpec(), 'apps'),
    { ...manifest('Deployment', 'skipped', podSpec(), 'apps'), metadata: { name: 'skipped', namespace: 'apps', labels: { [CaTrust.OPT_OUT_KEY]: 'true' } } },
    manifest('Deployment', 'backup', podSpec(), 'ops'),
    manifest('Deployment', 'iis', podSpec({ nodeSelector: { 'kubernetes.io/os': 'windows' } }), 'apps'),
    manifest('Deployment', 'empty', { containers: [] }, 'apps'),
    rollout('web', 'apps'),
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: 'apps' }, spec: { ports: [{ port: 80 }] } },
  ];
}

const options: WireAllOptions = { namespaces: ['apps'], kinds: ['Deployment', 'CronJob', 'Pod'] };

describe('CaTrust.wireManifests', () => {
  test('GIVEN the same objects WHEN wired by wireAll and by wireManifests THEN the same objects and the same outcomes', () => {
    const { chart, bundle } = chartWithBundle(ca.certPem);
    inputs().forEach((m, i) => new ApiObject(chart, `o${i}`, m));
    const all = CaTrust.wireAll(chart, bundle, options);
    const synthesized = Testing.synth(chart);

    const { bundle: other } = chartWithBundle(ca.certPem);
    takeWarnings();
    const r = CaTrust.wireManifests(inputs(), other, options);
    expect(takeWarnings()).toEqual([expect.stringContaining('Rollout "web" (argoproj.io/v1alpha1, manifests[7]) looks like it has a pod template at "/spec/template"')]);

    const key = (o: any) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`;
    const byKey = new Map(synthesized.map(o => [key(o), o]));
    for (const m of r.manifests) {
      // cdk8s sorts keys when it renders; compare the values
      expect(JSON.parse(JSON.stringify(m))).toEqual(byKey.get(key(m)));
    }
    expect(synthesized.filter(o => o.kind === 'ConfigMap')).toEqual([]);
    const outcomes = (entries: any[]) => entries.map(e => `${e.namespace}/${e.name} ${e.outcome}`).sort();
    expect(outcomes(r.report)).toEqual(outcomes(all.report()));
    expect(outcomes(r.report)).toEqual([
      'apps/api WIRED', 'apps/empty NO_CONTAINERS', 'apps/iis WINDOWS', 'apps/once FILTERED_KIND', 'apps/report WIRED',
      'apps/skipped OPTED_OUT', 'apps/web UNKNOWN_POD_TEMPLATE', 'ops/backup FILTERED_NAMESPACE',
    ]);
    expect(r.report[0]).toEqual({ path: 'manifests[0]', kind: 'apps/v1/Deployment', name: 'api', namespace: 'apps', outcome: WiringOutcome.WIRED, detail: '/spec/template' });
    expectAllValid(r.manifests.filter(o => o.kind !== 'Rollout')); // no Rollout schema here
  });

  test('pure: the input is not changed; objects it does not wire come back as they were passed in', () => {
    const { bundle } = chartWithBundle(ca.certPem);
    const input = inputs();
    const before = JSON.stringify(input);
    const r = CaTrust.wireManifests(input, bundle, options);
    expect(JSON.stringify(input)).toBe(before);
    expect(r.manifests.filter((m, i) => m === input[i]).map(m => m.metadata.name)).toEqual(['once', 'skipped', 'backup', 'iis', 'empty', 'web', 'api']);
    expect(podOf(r.manifests[0]).initContainers[0].name).toBe('merge-ca-bundle');
    expect(podOf(input[0]).initContainers).toBeUndefined();
  });

  test('its own output wired again: the same objects', () => {
    const { bundle } = chartWithBundle(ca.certPem);
    const once = CaTrust.wireManifests([manifest('Deployment', 'api', podSpec(), 'apps'), manifest('Job', 'j', podSpec(), 'apps')], bundle);
    expect(CaTrust.wireManifests(once.manifests, bundle).manifests).toEqual(once.manifests);
  });

  test('an error in one object names its place in the input, and nothing is returned', () => {
    const { bundle } = chartWithBundle(ca.certPem);
    const bad = manifest('Pod', 'p', { containers: [{ name: 'c', image: 'i', env: [{ name: 'SSL_CERT_FILE', value: '/mine' }] }] }, 'apps');
    expect(() => CaTrust.wireManifests([manifest('Deployment', 'ok', podSpec(), 'apps'), bad], bundle))
      .toThrow(/^manifests\[1\] \(Pod apps\/p\): Pod "apps\/p" container "c" already sets SSL_CERT_FILE to "\/mine"/);
  });

  test('envFrom sources among the manifests are checked as wireAll checks the synth\'s', () => {
    const { bundle } = chartWithBundle(ca.certPem);
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'tls', namespace: 'apps' }, data: { SSL_CERT_FILE: '/theirs' } };
    const pod = manifest('Pod', 'p', { containers: [{ name: 'c', image: 'i', envFrom: [{ configMapRef: { name: 'tls' } }] }] }, 'apps');
    expect(() => CaTrust.wireManifests([cm, pod], bundle)).toThrow(/gets SSL_CERT_FILE="\/theirs" from envFrom ConfigMap "tls"/);
  });

  test('disabled: the manifests come back as they are', () => {
    const { bundle } = chartWithBundle(ca.certPem);
    const input = inputs();
    expect(CaTrust.wireManifests(input, bundle, { enabled: false })).toEqual({ manifests: input, report: [] });
  });

  test('podTemplatePaths is for one wiring: whole-chart wiring refuses it and names podTemplates', () => {
    const { chart, bundle } = chartWithBundle(ca.certPem);
    const err = /podTemplatePaths is for one wiring \(MergedCaInitContainer\); whole-chart wiring takes podTemplates/;
    expect(() => CaTrust.wireManifests([], bundle, { podTemplatePaths: ['/spec/template'] })).toThrow(err);
    expect(() => CaTrust.wireAll(chart, bundle, { podTemplatePaths: ['/spec/template'] })).toThrow(err);
    expect(Chart.of(bundle)).toBe(chart);
  });
});
