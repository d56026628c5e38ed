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

/**
 * The rotation annotation of a wired object: on its pod template, but on the Job itself for a Job
 * (a Job's template is immutable once created).
 */
export function rotationOf(obj: any): string | undefined {
  const meta = obj.kind === 'Job' ? obj.metadata : templateMetaOf(obj);
  return meta?.annotations?.['cdk8s-org-ca/bundle-sha256'];
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

/**
 * Every group of a RayCluster (head and workers, `groups` in all) runs the merge into
 * RayClusterCa.MERGED_FILE from the projection's key, with RayClusterCa.VARIABLES set; nothing it
 * runs or exports comes from a ConfigMap (the script is the init container's command).
 */
export function expectRayGroupsWired(rc: any, groups: number, objs: any[]) {
  const templates = [rc.spec.headGroupSpec.template, ...rc.spec.workerGroupSpecs.map((w: any) => w.template)];
  expect(templates).toHaveLength(groups);
  for (const t of templates) {
    expect(t.spec.initContainers[0].command.slice(-1)).toEqual([RayClusterCa.MERGED_FILE]);
    expect(t.spec.volumes[0].configMap.optional).toBe(true);
    expect(t.spec.initContainers[0].command.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(t.spec.containers[0].envFrom).toBeUndefined();
    const want = Object.fromEntries(RayClusterCa.VARIABLES.map(v => [v, RayClusterCa.MERGED_FILE]));
    expect(envOf(t.spec.containers[0], objs, rc.metadata.namespace)).toEqual(want);
  }
}

/**
 * The variables `container` runs with, as Kubernetes builds them: each `envFrom` ConfigMap in order
 * (found in `objs`, in the pod's `namespace`; a missing one throws, as the container would not
 * start), then `env`, later entries winning. `valueFrom` entries map to undefined.
 */
export function envOf(container: any, objs: any[] = [], namespace?: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const ef of container.envFrom ?? []) {
    if (!ef.configMapRef) continue;
    const cm = objs.find(o => o?.kind === 'ConfigMap' && o.metadata.name === ef.configMapRef.name && (o.metadata.namespace ?? undefined) === namespace);
    if (!cm) throw new Error(`container ${container.name}: envFrom ConfigMap ${namespace ?? '(no namespace)'}/${ef.configMapRef.name} is not in the synth`);
    for (const [k, v] of Object.entries(cm.data ?? {})) out[`${ef.prefix ?? ''}${k}`] = String(v);
  }
  for (const e of container.env ?? []) out[e.name] = e.value;
  return out;
}

/**
 * Where the init containers of `pod` break Pod Security Standards "restricted" (the checks that
 * concern them), with the pod-level fallbacks the standard allows: allowPrivilegeEscalation false,
 * capabilities drop ALL, runAsNonRoot true (container, or pod and not overridden), seccompProfile
 * RuntimeDefault or Localhost (container, or pod), runAsUser not 0.
 */
export function restrictedViolations(pod: any): string[] {
  const out: string[] = [];
  const p = pod.securityContext ?? {};
  for (const c of pod.initContainers ?? []) {
    const sc = c.securityContext ?? {};
    if (sc.allowPrivilegeEscalation !== false) out.push(`${c.name}: allowPrivilegeEscalation`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) out.push(`${c.name}: capabilities`);
    if (!(sc.runAsNonRoot === true || (sc.runAsNonRoot === undefined && p.runAsNonRoot === true))) out.push(`${c.name}: runAsNonRoot`);
    const seccomp = sc.seccompProfile?.type ?? p.seccompProfile?.type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') out.push(`${c.name}: seccompProfile`);
    if ((sc.runAsUser ?? p.runAsUser) === 0) out.push(`${c.name}: runAsUser 0`);
  }
  return out;
}
