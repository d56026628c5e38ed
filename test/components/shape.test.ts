/* Every component has one shape: a construct (scope, id, { bundle, ...props }) with applyTo, and
 * helmValues where the product has a Helm chart. */
import { ApiObject, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { ArgoRepoServerCa, KeycloakTruststore, OrgCaBundle, RayClusterCa, SingleuserCaMerge } from '../../src';
import { propsOf } from '../util/api';
import { makeCa } from '../util/certs';
import { chartWithBundle } from '../util/fixtures';

const ca = makeCa('shape-ca');

const COMPONENTS: Array<[string, new (scope: Construct, id: string, props: { bundle: OrgCaBundle }) => any, boolean]> = [
  ['ArgoRepoServerCa', ArgoRepoServerCa, true],
  ['KeycloakTruststore', KeycloakTruststore, true],
  ['SingleuserCaMerge', SingleuserCaMerge, true],
  ['RayClusterCa', RayClusterCa, false],
];

describe('components', () => {
  test.each(COMPONENTS)('%s is a construct (scope, id, { bundle, ... }) with applyTo; helmValues: %s', (name, Component, hasChart) => {
    const { chart, bundle } = chartWithBundle(ca.certPem, 'platform');
    const c = new Component(chart, 'org-ca', { bundle });
    expect(c).toBeInstanceOf(Construct);
    expect(c.node.path).toBe(`${chart.node.path}/org-ca`);
    expect(typeof c.applyTo).toBe('function');
    expect(typeof c.helmValues).toBe(hasChart ? 'function' : 'undefined');
    expect(propsOf(`${name}Props`)).toContain('bundle');
  });

  test('a component\'s applyTo names the component, not its wiring, in a conflict', () => {
    const { chart, bundle } = chartWithBundle(ca.certPem, 'ray');
    const rc = new ApiObject(chart, 'rc', {
      apiVersion: 'ray.io/v1',
      kind: 'RayCluster',
      metadata: { name: 'r' },
      spec: { headGroupSpec: { rayStartParams: {}, template: { spec: { containers: [{ name: 'h', image: 'rayproject/ray:2.41.0' }] } } } },
    });
    new RayClusterCa(chart, 'a', { bundle }).applyTo(rc);
    expect(() => new RayClusterCa(chart, 'b', { bundle, openShift: true }).applyTo(rc))
      .toThrow(/wired twice with different options: by RayClusterCa and by RayClusterCa \(they differ in openShift\)/);
    expect(Testing.synth(chart).length).toBeGreaterThan(0);
  });
});
