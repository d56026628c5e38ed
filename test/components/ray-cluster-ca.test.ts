import { ApiObject, Testing } from 'cdk8s';
import { RayClusterCa } from '../../src';
import { makeCa } from '../util/certs';
import { chartWithBundle, expectRayGroupsWired } from '../util/fixtures';
import { expectAllValid } from '../util/schema';

const ca = makeCa('ray-ca');

function rayCluster(chart: any) {
  const group = (n: string) => ({ groupName: n, minReplicas: 0, maxReplicas: 1, rayStartParams: {}, template: { spec: { containers: [{ name: n, image: 'rayproject/ray:2.41.0' }] } } });
  return new ApiObject(chart, 'rc', {
    apiVersion: 'ray.io/v1',
    kind: 'RayCluster',
    metadata: { name: 'r' },
    spec: { headGroupSpec: { rayStartParams: {}, template: { spec: { containers: [{ name: 'h', image: 'rayproject/ray:2.41.0' }] } } }, workerGroupSpecs: [group('cpu'), group('gpu')] },
  });
}

describe('RayClusterCa', () => {
  test('GIVEN the trust-manager projection WHEN applyTo THEN head and every worker group merge into /shared/combined-ca.crt with its key', () => {
    const { chart, bundle } = chartWithBundle(ca.certPem, 'ray');
    new RayClusterCa(chart, 'ray-ca', { bundle }).applyTo(rayCluster(chart));
    const objs = Testing.synth(chart);
    const rc = objs.find(o => o.kind === 'RayCluster');
    expectRayGroupsWired(rc, 3, objs);
    expectAllValid(objs);
  });

  test('plain ConfigMap in the Ray namespace: default name org-ca-bundle, key ca.crt', () => {
    const { chart, bundle } = chartWithBundle(ca.certPem, 'ray', { configMaps: [{ namespaces: ['ray'] }] });
    new RayClusterCa(chart, 'ray-ca', { bundle }).applyTo(rayCluster(chart));
    const objs = Testing.synth(chart);
    const out = objs.find(o => o.kind === 'RayCluster');
    expect(out.spec.workerGroupSpecs[0].template.spec.volumes[0].configMap).toEqual({ name: 'org-ca-bundle', optional: true });
    expect(out.spec.workerGroupSpecs[0].template.spec.initContainers[0].command.slice(-2)).toEqual(['/var/run/org-ca/ca.crt', RayClusterCa.MERGED_FILE]);
    expectAllValid(objs);
  });

  test('disabled: byte-for-byte unchanged', () => {
    const a = chartWithBundle(ca.certPem, 'ray');
    rayCluster(a.chart);
    const b = chartWithBundle(ca.certPem, 'ray');
    new RayClusterCa(b.chart, 'ray-ca', { bundle: b.bundle, enabled: false }).applyTo(rayCluster(b.chart));
    expect(Testing.synth(b.chart)).toEqual(Testing.synth(a.chart));
  });
});
