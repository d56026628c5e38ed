/* The workload tests run twice: with cdk8s-plus-28 and, in the jest project "cdk8s-plus-33", with
 * `cdk8s-plus-28` resolving to cdk8s-plus-33. This proves each project loads the line it says. */
import { Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { CaTrust } from '../../src';
import { makeCa } from '../util/certs';
import { chartWithBundle, podOf } from '../util/fixtures';

const line = (global as any).CDK8S_PLUS_LINE as number;

test('the cdk8s-plus line this project runs against is the one loaded', () => {
  // Kubernetes 1.33's ClusterTrustBundle v1beta1 exists in cdk8s-plus-33's imports, not in 28's
  const has133 = 'KubeClusterTrustBundleV1Beta1' in (kplus as any).k8s;
  expect([28, 33]).toContain(line);
  expect(has133).toBe(line === 33);
});

test('a cdk8s-plus Deployment of this line is wired', () => {
  const { chart, bundle } = chartWithBundle(makeCa('plus-line-ca').certPem, 'apps');
  new kplus.Deployment(chart, 'd', { containers: [{ name: 'app', image: 'registry.example/app:1' }] });
  CaTrust.wireAll(chart as Chart, bundle);
  const d = Testing.synth(chart).find(o => o.kind === 'Deployment');
  expect(podOf(d).initContainers[0].name).toBe('merge-ca-bundle');
});
