/**
 * `cdk8s-org-ca admit`: the pods of the input as the API server would admit them with the given
 * MutatingAdmissionPolicies (`src/admission/evaluate.ts`).
 * @internal
 */
import { flattenLists } from './audit';
import { CliError } from './wire';
import { admitPod } from '../admission/evaluate';
import { BUILTIN_TEMPLATE_PATHS, findTemplates } from '../pod/pod-templates';

const ADMISSION_GROUP = /^admissionregistration\.k8s\.io\/(v1|v1beta1|v1alpha1)$/;

/** The pods of the input: Pods as they are, workloads' pod templates as their controllers would create them. */
export function podsOfInput(objects: any[]): Array<{ pod: any; from: string }> {
  const out: Array<{ pod: any; from: string }> = [];
  for (const o of objects) {
    const paths = BUILTIN_TEMPLATE_PATHS[`${o.apiVersion}/${o.kind}`];
    if (!paths) continue;
    const namespace = o.metadata?.namespace ?? 'default';
    if (o.kind === 'Pod') {
      out.push({ pod: { ...o, metadata: { ...o.metadata, namespace } }, from: `Pod ${namespace}/${o.metadata?.name}` });
      continue;
    }
    for (const t of findTemplates(o, paths)) {
      if (!t.template?.spec) continue;
      const name = `${o.metadata?.name}${t.pointer.includes('workerGroupSpecs') ? '-worker' : ''}`;
      const metadata = { ...JSON.parse(JSON.stringify(t.template.metadata ?? {})), name, namespace };
      out.push({ pod: { apiVersion: 'v1', kind: 'Pod', metadata, spec: JSON.parse(JSON.stringify(t.template.spec)) }, from: `${o.kind} ${namespace}/${o.metadata?.name} at ${t.pointer}` });
    }
  }
  return out;
}

/** Admits every pod of `inputValues` with every policy of `policyValues` (in order), with its bindings. */
export function admitObjects(policyValues: any[], inputValues: any[]): { pods: any[]; lines: string[] } {
  const defs = flattenLists(policyValues);
  const policies = defs.filter(o => o.kind === 'MutatingAdmissionPolicy' && ADMISSION_GROUP.test(o.apiVersion ?? ''));
  if (policies.length === 0) throw new CliError('--policy: no MutatingAdmissionPolicy (admissionregistration.k8s.io) in the file; give the synth output of CaAdmissionPolicy');
  const bindings = defs.filter(o => o.kind === 'MutatingAdmissionPolicyBinding' && ADMISSION_GROUP.test(o.apiVersion ?? ''));
  const objects = flattenLists(inputValues);
  const nsLabels = new Map<string, Record<string, string>>(objects.filter(o => o.kind === 'Namespace').map(o => [o.metadata?.name, o.metadata?.labels ?? {}]));
  const lines: string[] = [];
  const pods = podsOfInput(objects).map(({ pod, from }) => {
    let current = pod;
    for (const policy of policies) {
      const bound = bindings.filter(b => b.spec?.policyName === policy.metadata?.name);
      if (bound.length === 0) {
        lines.push(`${from}: policy ${policy.metadata?.name} has no binding, so the API server does not run it`);
        continue;
      }
      for (const b of bound) {
        try {
          const r = admitPod(policy, b, current, nsLabels.get(current.metadata.namespace) ?? {});
          lines.push(`${from}: ${policy.metadata?.name}: ${r.outcome}`);
          current = r.pod;
        } catch (e) {
          throw new CliError(`${from}: ${policy.metadata?.name}: ${(e as Error).message}`);
        }
      }
    }
    return current;
  });
  return { pods, lines };
}
