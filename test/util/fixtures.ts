import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApiObject, Chart, Cron, Include, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import * as YAML from 'yaml';
import { CaSource, OrgCaBundle, OrgCaBundleProps, RayClusterCa } from '../../src';

const KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'Pod'] as const;
export type Kind = typeof KINDS[number];
export type Form = 'plus' | 'raw' | 'include';

const API: Record<Kind, string> = {
  Deployment: 'apps/v1',
  StatefulSet: 'apps/v1',
  DaemonSet: 'apps/v1',
  ReplicaSet: 'apps/v1',
  Job: 'batch/v1',
  CronJob: 'batch/v1',
  Pod: 'v1',
};

export function podSpec(extra: any = {}) {
  return {
    containers: [{ name: 'app', image: 'registry.example/app:1.0', env: [{ name: 'KEEP', value: 'me' }] }],
    ...extra,
  };
}

/** A manifest of `kind` whose pod runs `spec`. */
export function manifest(kind: Kind, name: string, spec: any = podSpec(), namespace?: string): any {
  const metadata = { name, ...(namespace ? { namespace } : {}) };
  const template = { metadata: { labels: { app: name } }, spec };
  const selector = { matchLabels: { app: name } };
  switch (kind) {
    case 'Pod': return { apiVersion: 'v1', kind, metadata, spec };
    case 'Job': return { apiVersion: API[kind], kind, metadata, spec: { template: { ...template, spec: { restartPolicy: 'Never', ...spec } } } };
    case 'CronJob': return { apiVersion: API[kind], kind, metadata, spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template: { ...template, spec: { restartPolicy: 'OnFailure', ...spec } } } } } };
    case 'StatefulSet': return { apiVersion: API[kind], kind, metadata, spec: { serviceName: name, selector, template } };
    default: return { apiVersion: API[kind], kind, metadata, spec: { selector, template } };
  }
}

/** The pod spec inside a synthesized manifest. */
export function podOf(obj: any): any {
  if (obj.kind === 'Pod') return obj.spec;
  if (obj.kind === 'CronJob') return obj.spec.jobTemplate.spec.template.spec;
  return obj.spec.template.spec;
}

export function templateMetaOf(obj: any): any {
  if (obj.kind === 'Pod') return obj.metadata;
  if (obj.kind === 'CronJob') return obj.spec.jobTemplate.spec.template.metadata;
  return obj.spec.template.metadata;
}

/** Creates a workload of `kind` in `form`; returns the construct to wire. */
export function makeWorkload(scope: Construct, kind: Kind, form: Form, name = 'web'): Construct {
  if (form === 'raw') {
    return new ApiObject(scope, name, manifest(kind, name));
  }
  if (form === 'include') {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'include-')), `${name}.yaml`);
    fs.writeFileSync(file, YAML.stringify(manifest(kind, name)));
    const inc = new Include(scope, name, { url: file });
    return inc.apiObjects[0];
  }
  const containers = [{ name: 'app', image: 'registry.example/app:1.0', envVariables: { KEEP: kplus.EnvValue.fromValue('me') } }];
  switch (kind) {
    case 'Deployment': return new kplus.Deployment(scope, name, { containers });
    case 'StatefulSet': return new kplus.StatefulSet(scope, name, { containers: [{ ...containers[0], portNumber: 8080 }] });
    case 'DaemonSet': return new kplus.DaemonSet(scope, name, { containers });
    case 'Job': return new kplus.Job(scope, name, { containers });
    case 'CronJob': return new kplus.CronJob(scope, name, { containers, schedule: Cron.daily() });
    case 'Pod': return new kplus.Pod(scope, name, { containers });
    case 'ReplicaSet': return new ApiObject(scope, name, manifest(kind, name)); // cdk8s-plus has no ReplicaSet
  }
}

/** Every (kind, form) pair the library must wire. */
export const KIND_FORMS: Array<[Kind, Form]> = KINDS.flatMap(k => (['plus', 'raw', 'include'] as Form[]).filter(f => !(k === 'ReplicaSet' && f === 'plus')).map(f => [k, f] as [Kind, Form]));

export function workloadsOf(objs: any[]): any[] {
  return objs.filter(o => KINDS.includes(o.kind));
}

/** An app, a chart (in `namespace`) and an OrgCaBundle of `certPem` in it (warnings silenced). */
export function chartWithBundle(certPem: string, namespace?: string, bundleProps: Partial<OrgCaBundleProps> = {}) {
  const app = Testing.app();
  const chart = new Chart(app, 'test', { namespace });
  const bundle = new OrgCaBundle(chart, 'ca', { source: CaSource.fromPem(certPem), printWarnings: false, ...bundleProps });
  return { app, chart, bundle };
}

/** A container's variables as a name → value map. */
export const envOf = (c: any): Record<string, string> => Object.fromEntries((c.env ?? []).map((e: any) => [e.name, e.value]));

/**
 * Every group of a RayCluster (head and workers, `groups` in all) runs the merge into
 * RayClusterCa.MERGED_FILE from the projection's key, with RayClusterCa.VARIABLES set.
 */
export function expectRayGroupsWired(rc: any, groups: number) {
  const templates = [rc.spec.headGroupSpec.template, ...rc.spec.workerGroupSpecs.map((w: any) => w.template)];
  expect(templates).toHaveLength(groups);
  for (const t of templates) {
    expect(t.spec.initContainers[0].command.slice(-1)).toEqual([RayClusterCa.MERGED_FILE]);
    expect(t.spec.volumes[0].projected.sources[0].configMap.optional).toBe(true);
    expect(t.spec.volumes[0].projected.sources[1].configMap.name).toMatch(/^org-ca-scripts-/);
    expect(envOf(t.spec.containers[0])).toEqual(Object.fromEntries(RayClusterCa.VARIABLES.map(v => [v, RayClusterCa.MERGED_FILE])));
  }
}
