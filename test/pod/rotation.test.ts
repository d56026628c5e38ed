import { Chart, Cron, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { CaSource, CaTrust, MergedCaInitContainer, OrgCaBundle } from '../../src';
import { makeCa, textForm } from '../util/certs';

const a = makeCa('rotation-a');
const b = makeCa('rotation-b');
const c = makeCa('rotation-c');

/** The rotation annotation of a Deployment and a CronJob wired with `pem`. */
function annotations(pem: string): string[] {
  const chart = new Chart(Testing.app(), 'rot');
  const bundle = new OrgCaBundle(chart, 'ca', { source: CaSource.fromPem(pem), printWarnings: false });
  new kplus.Deployment(chart, 'd', { containers: [{ image: 'x' }] });
  new kplus.CronJob(chart, 'cj', { containers: [{ image: 'y' }], schedule: Cron.daily() });
  CaTrust.wireAll(chart, bundle);
  const objs = Testing.synth(chart);
  const d = objs.find(o => o.kind === 'Deployment').spec.template.metadata.annotations[MergedCaInitContainer.ROTATION_ANNOTATION];
  const cj = objs.find(o => o.kind === 'CronJob').spec.jobTemplate.spec.template.metadata.annotations[MergedCaInitContainer.ROTATION_ANNOTATION];
  expect(cj).toBe(d);
  return [d];
}

describe('rotation: the pod-template annotation changes exactly when the certificate set changes', () => {
  const base = annotations(a.certPem + b.certPem)[0];

  test.each([
    ['reordered', () => b.certPem + a.certPem],
    ['CRLF and trailing spaces', () => (a.certPem + b.certPem).replace(/\n/g, '  \r\n')],
    ['comments and openssl -text output', () => `# corp bundle v2\n${textForm(a)}\n# second\n${textForm(b)}`],
    ['duplicates', () => a.certPem + b.certPem + a.certPem + b.certPem],
    ['no final newline, BOM', () => '\uFEFF' + (a.certPem + b.certPem).trimEnd()],
  ])('%s: pods do not roll', (_what, make) => {
    expect(annotations(make())[0]).toBe(base);
  });

  test('a Job carries it on its own metadata, not on its pod template (immutable once the Job exists), and the same value', () => {
    const wired = (pem: string) => {
      const chart = new Chart(Testing.app(), 'rot');
      const bundle = new OrgCaBundle(chart, 'ca', { source: CaSource.fromPem(pem), printWarnings: false });
      new kplus.Job(chart, 'j', { containers: [{ image: 'x' }] });
      CaTrust.wireAll(chart, bundle);
      return Testing.synth(chart).find(o => o.kind === 'Job');
    };
    const before = wired(a.certPem + b.certPem);
    const after = wired(a.certPem + c.certPem);
    expect(before.metadata.annotations[MergedCaInitContainer.ROTATION_ANNOTATION]).toBe(base);
    expect(before.spec.template.metadata?.annotations?.[MergedCaInitContainer.ROTATION_ANNOTATION]).toBeUndefined();
    // a rotation changes the Job's metadata only: the template, which the API server refuses to
    // change on an existing Job, is the same
    expect(after.metadata.annotations[MergedCaInitContainer.ROTATION_ANNOTATION]).not.toBe(base);
    expect(after.spec.template).toEqual(before.spec.template);
  });

  test.each([
    ['a certificate added', () => a.certPem + b.certPem + c.certPem],
    ['a certificate removed', () => a.certPem],
    ['a certificate replaced', () => a.certPem + c.certPem],
  ])('%s: pods roll', (_what, make) => {
    expect(annotations(make())[0]).not.toBe(base);
  });
});
