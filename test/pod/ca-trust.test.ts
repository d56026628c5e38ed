import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApiObject, Chart, Cron, Include, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import * as YAML from 'yaml';
import { CaSource, CaTrust, MergedCaInitContainer, OrgCaBundle, WiringOutcome } from '../../src';
import { makeCa } from '../util/certs';
import { KIND_FORMS, envOf, makeWorkload, manifest, podOf, podSpec, chartWithBundle } from '../util/fixtures';
import { expectAllValid } from '../util/schema';
import { takeWarnings } from '../util/warnings';

const ca = makeCa('wireall-ca');

const setup = () => chartWithBundle(ca.certPem);

const wiredNames = (objs: any[]) => objs.filter(o => o.kind !== 'Bundle' && o.kind !== 'Service' && o.spec && (() => {
  try {
    return podOf(o).initContainers?.[0]?.name === 'merge-ca-bundle';
  } catch {
    return false;
  }
})()).map(o => `${o.kind}/${o.metadata.name}`).sort();

describe('CaTrust.wireAll', () => {
  test('wires every kind in every form with one call, Jobs and CronJobs included', () => {
    const { chart, bundle } = setup();
    KIND_FORMS.forEach(([kind, form], i) => makeWorkload(chart, kind, form, `w${i}-${kind.toLowerCase()}-${form}`));
    const wiring = CaTrust.wireAll(chart, bundle);
    const objs = Testing.synth(chart);
    const workloads = objs.filter(o => !['Bundle', 'Service', 'ConfigMap'].includes(o.kind));
    expect(workloads).toHaveLength(KIND_FORMS.length);
    expect(wiredNames(objs)).toHaveLength(KIND_FORMS.length);
    expect(wiring.report().filter(e => e.outcome === WiringOutcome.WIRED)).toHaveLength(KIND_FORMS.length);
    expectAllValid(objs);
  });

  test('a third-party YAML loaded with Include: every pod in it is wired', () => {
    const { chart, bundle } = setup();
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'inc-')), 'upstream.yaml');
    fs.writeFileSync(file, [
      manifest('Deployment', 'api', podSpec(), 'vendor'),
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: 'vendor' }, spec: { ports: [{ port: 80 }], selector: { app: 'api' } } },
      manifest('CronJob', 'report', podSpec(), 'vendor'),
      manifest('Job', 'migrate', podSpec(), 'vendor'),
    ].map(m => YAML.stringify(m)).join('---\n'));
    new Include(chart, 'upstream', { url: file });
    CaTrust.wireAll(chart, bundle);
    const objs = Testing.synth(chart);
    expect(wiredNames(objs)).toEqual(['CronJob/report', 'Deployment/api', 'Job/migrate']);
    expect(objs.find(o => o.kind === 'Service').spec).toEqual({ ports: [{ port: 80 }], selector: { app: 'api' } });
    expectAllValid(objs);
  });

  test('workloads created after the call are wired', () => {
    const { chart, bundle } = setup();
    CaTrust.wireAll(chart, bundle);
    new kplus.Job(chart, 'late', { containers: [{ image: 'x' }] });
    expect(wiredNames(Testing.synth(chart))).toEqual([expect.stringMatching(/^Job\//)]);
  });

  test('filters: opt-out label and annotation, namespaces, kinds; pods without containers skipped', () => {
    const { chart, bundle } = setup();
    new ApiObject(chart, 'a', manifest('Deployment', 'in-ns', podSpec(), 'apps'));
    new ApiObject(chart, 'b', manifest('Deployment', 'other-ns', podSpec(), 'other'));
    new ApiObject(chart, 'c', { ...manifest('Deployment', 'opt-label', podSpec(), 'apps'), metadata: { name: 'opt-label', namespace: 'apps', labels: { [CaTrust.OPT_OUT_KEY]: 'true' } } });
    new ApiObject(chart, 'd', { ...manifest('Deployment', 'opt-anno', podSpec(), 'apps'), metadata: { name: 'opt-anno', namespace: 'apps', annotations: { [CaTrust.OPT_OUT_KEY]: 'true' } } });
    new ApiObject(chart, 'e', manifest('DaemonSet', 'wrong-kind', podSpec(), 'apps'));
    new ApiObject(chart, 'f', manifest('Deployment', 'no-containers', { containers: [] }, 'apps'));
    new ApiObject(chart, 'g', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'apps' }, data: { a: 'b' } });
    const wiring = CaTrust.wireAll(chart, bundle, { namespaces: ['apps'], kinds: ['Deployment'] });
    const objs = Testing.synth(chart);
    expect(wiredNames(objs)).toEqual(['Deployment/in-ns']);
    const outcomes = Object.fromEntries(wiring.report().map(e => [e.name, e.outcome]));
    expect(outcomes).toEqual({
      'in-ns': WiringOutcome.WIRED,
      'other-ns': WiringOutcome.FILTERED_NAMESPACE,
      'opt-label': WiringOutcome.OPTED_OUT,
      'opt-anno': WiringOutcome.OPTED_OUT,
      'wrong-kind': WiringOutcome.FILTERED_KIND,
      'no-containers': WiringOutcome.NO_CONTAINERS,
    });
  });

  test('kinds Kubernetes defines without a pod template are passed over without being rendered to look for one', () => {
    const { chart, bundle } = setup();
    const svc = new ApiObject(chart, 's', { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80 }] } });
    const cr = new ApiObject(chart, 'x', { apiVersion: 'example.com/v1', kind: 'Thing', metadata: { name: 'x' }, spec: {} });
    const renders = { svc: 0, cr: 0 };
    const count = (o: ApiObject, k: keyof typeof renders) => {
      const original = o.toJson.bind(o);
      o.toJson = () => { renders[k]++; return original(); };
    };
    count(svc, 'svc');
    count(cr, 'cr');
    CaTrust.wireAll(chart, bundle);
    Testing.synth(chart);
    expect(renders).toEqual({ svc: 1, cr: 2 }); // the Service only for the output; the unknown kind also for the sniff
  });

  test('an unknown kind with a pod template is reported, not silently passed over; podTemplates wires it', () => {
    const rollout = (name: string) => ({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name }, spec: { strategy: {}, template: { metadata: {}, spec: podSpec() } } });
    const a = setup();
    new ApiObject(a.chart, 'r', rollout('r'));
    takeWarnings();
    const wiring = CaTrust.wireAll(a.chart, a.bundle);
    Testing.synth(a.chart);
    expect(takeWarnings()).toContainEqual(expect.stringContaining('Rollout "r" (argoproj.io/v1alpha1, test/r) looks like it has a pod template at "/spec/template" but its kind is unknown: not wired. Pass podTemplates: [{ apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", paths: ["/spec/template"] }]'));
    expect(wiring.report()).toEqual([expect.objectContaining({ name: 'r', outcome: WiringOutcome.UNKNOWN_POD_TEMPLATE, detail: '/spec/template' })]);

    const b = setup();
    new ApiObject(b.chart, 'r', rollout('r'));
    CaTrust.wireAll(b.chart, b.bundle, { failOnUnknownKinds: true });
    expect(() => Testing.synth(b.chart)).toThrow(/Rollout "r" .* looks like it has a pod template/);

    const c = setup();
    new ApiObject(c.chart, 'r', rollout('r'));
    CaTrust.wireAll(c.chart, c.bundle, { podTemplates: [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', paths: ['/spec/template'] }] });
    const r = Testing.synth(c.chart).find(o => o.kind === 'Rollout');
    expect(r.spec.template.spec.initContainers[0].name).toBe('merge-ca-bundle');
  });

  test('disabled: byte-for-byte unchanged', () => {
    const build = (wire: boolean) => {
      const { chart, bundle } = setup();
      KIND_FORMS.forEach(([kind, form], i) => makeWorkload(chart, kind, form, `w${i}`));
      if (wire) CaTrust.wireAll(chart, bundle, { enabled: false });
      return Testing.synth(chart).map(o => YAML.stringify(o)).join('---\n');
    };
    expect(build(true)).toEqual(build(false));
  });

  test('the App as scope wires every chart; App.synth writes wired files', () => {
    const app = Testing.app();
    const c1 = new Chart(app, 'one');
    const c2 = new Chart(app, 'two');
    const bundle = new OrgCaBundle(c1, 'ca', { source: CaSource.fromPem(ca.certPem), printWarnings: false });
    new kplus.Deployment(c1, 'a', { containers: [{ image: 'a' }] });
    new kplus.CronJob(c2, 'b', { containers: [{ image: 'b' }], schedule: Cron.daily() });
    CaTrust.wireAll(app, bundle);
    app.synth();
    const files = fs.readdirSync(app.outdir).sort();
    expect(files).toEqual(['one.k8s.yaml', 'two.k8s.yaml']);
    const docs = files.flatMap(f => YAML.parseAllDocuments(fs.readFileSync(path.join(app.outdir, f), 'utf8')).map(d => d.toJS()));
    expect(wiredNames(docs)).toHaveLength(2);
  });

  test('wireAll twice is the same as once', () => {
    const build = (times: number) => {
      const { chart, bundle } = setup();
      KIND_FORMS.forEach(([kind, form], i) => makeWorkload(chart, kind, form, `w${i}`));
      for (let i = 0; i < times; i++) CaTrust.wireAll(chart, bundle);
      return Testing.synth(chart).map(o => YAML.stringify(o)).join('---\n');
    };
    expect(build(2)).toEqual(build(1));
  });
});

describe('per-workload control under wireAll', () => {
  const dep = (chart: any, id: string, spec = podSpec(), extra: any = {}) => {
    const m = manifest('Deployment', id, spec);
    return new ApiObject(chart, id, { ...m, metadata: { ...m.metadata, ...extra } });
  };
  const pod = (objs: any[], name: string) => podOf(objs.find(o => o.metadata?.name === name));

  test.each(['addTo first', 'wireAll first'])('an explicit addTo takes precedence over wireAll (%s); the report says so', (order) => {
    const { chart, bundle } = setup();
    const w = dep(chart, 'distroless', podSpec({ containers: [{ name: 'app', image: 'gcr.io/distroless/static' }] }));
    dep(chart, 'plain');
    let wiring: any;
    if (order === 'addTo first') {
      MergedCaInitContainer.addTo(w, bundle, { image: 'busybox:1.36' });
      wiring = CaTrust.wireAll(chart, bundle);
    } else {
      wiring = CaTrust.wireAll(chart, bundle);
      MergedCaInitContainer.addTo(w, bundle, { image: 'busybox:1.36' });
    }
    const objs = Testing.synth(chart);
    expect(pod(objs, 'distroless').initContainers.map((c: any) => [c.name, c.image])).toEqual([['merge-ca-bundle', 'busybox:1.36']]);
    expect(pod(objs, 'plain').initContainers[0].image).toBe('registry.example/app:1.0');
    const entry = wiring.report().find((e: any) => e.name === 'distroless');
    expect(entry).toMatchObject({ outcome: WiringOutcome.WIRED_EXPLICITLY, detail: expect.stringMatching(/wired by MergedCaInitContainer, whose options take precedence/) });
  });

  test('two wireAll calls with different options over the same workload: an error naming both', () => {
    const { app, chart, bundle } = setup();
    dep(chart, 'web');
    CaTrust.wireAll(app, bundle, { extraVariables: ['PIP_CERT'] });
    CaTrust.wireAll(chart, bundle);
    expect(() => app.synth()).toThrow(/is wired twice with different options: by CaTrust.wireAll\(the App\) and by CaTrust.wireAll\("test"\) \(they differ in extraVariables\)/);
  });

  test('the merge image: the first container with a shell, not a distroless sidecar listed first (with a warning)', () => {
    takeWarnings();
    const { chart, bundle } = setup();
    dep(chart, 'proxied', podSpec({ containers: [{ name: 'proxy', image: 'gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.8' }, { name: 'app', image: 'python:3.12' }] }));
    CaTrust.wireAll(chart, bundle);
    const objs = Testing.synth(chart);
    expect(pod(objs, 'proxied').initContainers[0].image).toBe('python:3.12');
    expect(takeWarnings().join('\n')).toMatch(/the merge runs on container "app"'s image \(python:3.12\), not on the first container's .* which has no shell/);
  });

  test('only shell-less images: an error naming the annotation; the annotation chooses the image for Included YAML', () => {
    const a = setup();
    dep(a.chart, 'static', podSpec({ containers: [{ name: 'app', image: 'cgr.dev/chainguard/static' }] }));
    CaTrust.wireAll(a.chart, a.bundle);
    expect(() => Testing.synth(a.chart)).toThrow(/is known to have no shell, so the merge cannot run on it; set image .*or annotate the object cdk8s-org-ca\/merge-image/);
    const b = setup();
    dep(b.chart, 'static', podSpec({ containers: [{ name: 'app', image: 'cgr.dev/chainguard/static' }] }), { annotations: { 'cdk8s-org-ca/merge-image': 'busybox:1.36' } });
    CaTrust.wireAll(b.chart, b.bundle);
    expect(pod(Testing.synth(b.chart), 'static').initContainers[0].image).toBe('busybox:1.36');
  });

  test('skip-variables annotation: one sidecar keeps its own SSL_CERT_FILE; the check stays on for every other container', () => {
    const { chart, bundle } = setup();
    const spec = podSpec({ containers: [{ name: 'app', image: 'i' }, { name: 'side', image: 'i', env: [{ name: 'SSL_CERT_FILE', value: '/own.pem' }] }] });
    dep(chart, 'web', spec, { annotations: { 'cdk8s-org-ca/skip-variables': 'side/SSL_CERT_FILE' } });
    dep(chart, 'other', podSpec({ containers: [{ name: 'app', image: 'i', env: [{ name: 'SSL_CERT_FILE', value: '/own.pem' }] }] }));
    CaTrust.wireAll(chart, bundle);
    expect(() => Testing.synth(chart)).toThrow(/Deployment "other" at \/spec\/template container "app" already sets SSL_CERT_FILE/);
    const ok = setup();
    dep(ok.chart, 'web', spec, { annotations: { 'cdk8s-org-ca/skip-variables': 'side/SSL_CERT_FILE' } });
    CaTrust.wireAll(ok.chart, ok.bundle);
    const objs = Testing.synth(ok.chart);
    const p = pod(objs, 'web');
    expect(envOf(p.containers[1], objs)).toMatchObject({ SSL_CERT_FILE: '/own.pem', GIT_SSL_CAINFO: '/etc/org-ca/bundle.pem' });
    expect(envOf(p.containers[0], objs)).toMatchObject({ SSL_CERT_FILE: '/etc/org-ca/bundle.pem' });
  });

  test('kinds that are neither built in nor declared are refused (kinds are case-sensitive)', () => {
    const { chart, bundle } = setup();
    expect(() => CaTrust.wireAll(chart, bundle, { kinds: ['deployment'] })).toThrow(/kinds lists "deployment", which is neither a built-in kind nor declared in podTemplates \(known: .*Deployment/);
  });

  test('a namespace filter that excludes every workload: a warning', () => {
    takeWarnings();
    const { app, bundle } = setup();
    const apps = new Chart(app, 'apps', { namespace: 'apps' });
    dep(apps, 'web');
    CaTrust.wireAll(app, bundle, { namespaces: ['app'] });
    app.synth();
    expect(takeWarnings().join('\n')).toMatch(/namespaces \[app\] excludes every one of the 1 workload\(s\) .*their namespaces: apps/);
  });

  test('Windows pods are skipped with a report entry', () => {
    const { chart, bundle } = setup();
    dep(chart, 'win', podSpec({ nodeSelector: { 'kubernetes.io/os': 'windows' } }));
    const w = CaTrust.wireAll(chart, bundle);
    const objs = Testing.synth(chart);
    expect(pod(objs, 'win').initContainers).toBeUndefined();
    expect(w.report().find(e => e.name === 'win')).toMatchObject({ outcome: WiringOutcome.WINDOWS });
  });
});
