/**
 * Pods no synth ever sees (controllers' pods: KubeSpawner, Argo Workflows, Tekton, Spark, CI
 * runners): a MutatingAdmissionPolicy and its binding that wire them on CREATE exactly as the
 * synth-time wiring would, from the same wiring description.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { parseExpression } from './evaluate';
import { policyCel } from './policy-cel';
import { OrgCaBundle } from '../bundle/org-ca-bundle';
import { MergedCaInitContainer } from '../pod/merged-ca-init-container';
import { PodWiringOptions } from '../pod/wiring-options';
import { clusterScoped, managedMetadata, METADATA } from '../util/metadata';
import { checkDnsLabel, checkDnsSubdomain } from '../util/validate';
import { warn } from '../util/warnings';

/** What the API server does when the policy fails to evaluate. */
export enum AdmissionFailurePolicy {
  /** The pod is created unwired (an error in the policy never blocks pod creation). */
  IGNORE = 'IGNORE',
  /** The pod is refused. */
  FAIL = 'FAIL',
}

/** Namespaces the policy never selects unless `namespaces` names them: the control plane's and trust-manager's. */
export const ADMISSION_EXCLUDED_NAMESPACES = ['kube-system', 'kube-public', 'kube-node-lease', 'cert-manager'];

/** Props of `CaAdmissionPolicy`. */
export interface CaAdmissionPolicyProps {
  /** The validated org CA. Its ConfigMap must reach every selected namespace (a trust-manager Bundle, or a ClusterTrustBundle source). */
  readonly bundle: OrgCaBundle;
  /**
   * Minor version of the cluster, e.g. "1.36": `admissionregistration.k8s.io/v1` from 1.36;
   * `v1beta1` on 1.34 and 1.35 only with `allowBeta`; refused below.
   */
  readonly kubernetesVersion: string;
  /**
   * Emit `v1beta1` on Kubernetes 1.34 or 1.35, where the API server needs the
   * `MutatingAdmissionPolicy` feature gate and
   * `--runtime-config=admissionregistration.k8s.io/v1beta1=true`.
   *
   * @default false
   */
  readonly allowBeta?: boolean;
  /**
   * Emit the policy and binding. `false` adds none.
   *
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Name of the policy and of its binding.
   *
   * @default "org-ca-trust"
   */
  readonly name?: string;
  /**
   * Only pods in these namespaces. Naming one of the control plane's or trust-manager's namespaces
   * here is the only way to select it.
   *
   * @default - every namespace but kube-system, kube-public, kube-node-lease and cert-manager
   */
  readonly namespaces?: string[];
  /**
   * Only namespaces with these labels (e.g. `{ "org-ca/inject": "true" }`).
   *
   * @default - no label required
   */
  readonly namespaceLabels?: { [key: string]: string };
  /**
   * Only pods with these labels.
   *
   * @default - every pod (but those labelled `cdk8s-org-ca/skip: "true"`)
   */
  readonly podLabels?: { [key: string]: string };
  /**
   * What a policy error does to the pod.
   *
   * @default AdmissionFailurePolicy.IGNORE (an error never blocks pod creation cluster-wide)
   */
  readonly failurePolicy?: AdmissionFailurePolicy;
  /**
   * The wiring, as `MergedCaInitContainer` takes it (merge or direct, variables, overlay, image…).
   * `java` is not supported at admission.
   *
   * @default - the defaults of `MergedCaInitContainer`
   */
  readonly wiring?: PodWiringOptions;
  /**
   * Pods with more containers (or init containers) than this are left alone (each container is
   * one unrolled block of the policy's CEL).
   *
   * @default 8
   */
  readonly maxContainers?: number;
}

/**
 * A `MutatingAdmissionPolicy` (`admissionregistration.k8s.io`, KEP-3962) and its binding that wire
 * every selected pod on CREATE as `MergedCaInitContainer` wires a pod template at synth time: the
 * same init containers (the merge image chosen the same way, the per-pod annotation winning),
 * volumes, mounts, overlay and variables, from the same wiring description, as JSON Patch
 * operations built in CEL. Pods wired at synth time (the library's volume is there), opted out
 * (`cdk8s-org-ca/skip: "true"` label or annotation), Windows pods, pods with a container mounting
 * something else where the CA goes, or with more than `maxContainers` containers are left alone; a
 * container that sets a CA variable itself keeps its value. The script and variables are in the
 * policy itself. `cdk8s-org-ca admit` runs it offline.
 */
export class CaAdmissionPolicy extends Construct {
  /** The policy, when enabled. */
  public readonly policy?: ApiObject;
  /** The binding, when enabled. */
  public readonly binding?: ApiObject;

  constructor(scope: Construct, id: string, props: CaAdmissionPolicyProps) {
    super(scope, id);
    if (props.enabled === false) return;
    const version = policyVersion(props.kubernetesVersion, props.allowBeta ?? false);
    const name = checkDnsSubdomain('CaAdmissionPolicy name', props.name ?? 'org-ca-trust');
    const max = props.maxContainers ?? 8;
    if (!Number.isInteger(max) || max < 1 || max > 32) throw new Error(`CaAdmissionPolicy maxContainers ${max} must be a whole number from 1 to 32`);
    for (const ns of props.namespaces ?? []) checkDnsLabel('CaAdmissionPolicy namespaces', ns);
    if (props.wiring?.java) {
      throw new Error('CaAdmissionPolicy: the wiring\'s java is not supported at admission (a container\'s JAVA_TOOL_OPTIONS would have to be edited in place); wire JVM workloads at synth time with MergedCaInitContainer and java');
    }
    const bundle = props.bundle;
    if (!bundle.trustManagerBundle && !bundle.clusterTrustBundle && !props.wiring?.configMap) {
      throw new Error('CaAdmissionPolicy: the bundle is distributed as plain ConfigMaps in named namespaces only, so pods elsewhere would mount a missing ConfigMap; distribute it with trust-manager (a Bundle reaches every namespace) or a ClusterTrustBundle');
    }
    const wiring = new MergedCaInitContainer(bundle, props.wiring);
    const d = wiring._describe(undefined);
    const cel = policyCel(d, { maxContainers: max });
    for (const m of cel.matchConditions) parseExpression(m.expression, `matchCondition ${m.name}`);
    for (const v of cel.variables) parseExpression(v.expression, `variable ${v.name}`);
    parseExpression(cel.patch, 'mutation');

    const asked = props.namespaces ?? [];
    const excluded = ADMISSION_EXCLUDED_NAMESPACES.filter(n => !asked.includes(n));
    const namespaceSelector = {
      ...(props.namespaceLabels ? { matchLabels: { ...props.namespaceLabels } } : {}),
      matchExpressions: [
        { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: excluded },
        ...(asked.length ? [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: [...asked] }] : []),
      ],
    };
    const objectSelector = {
      ...(props.podLabels ? { matchLabels: { ...props.podLabels } } : {}),
      matchExpressions: [{ key: METADATA.OPT_OUT, operator: 'NotIn', values: ['true'] }],
    };
    const apiVersion = `admissionregistration.k8s.io/${version}`;
    this.policy = clusterScoped(new ApiObject(this, 'policy', {
      apiVersion,
      kind: 'MutatingAdmissionPolicy',
      metadata: managedMetadata(name, undefined, bundle.sha256),
      spec: {
        failurePolicy: (props.failurePolicy ?? AdmissionFailurePolicy.IGNORE) === AdmissionFailurePolicy.FAIL ? 'Fail' : 'Ignore',
        reinvocationPolicy: 'IfNeeded',
        matchConstraints: {
          resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] }],
          namespaceSelector,
          objectSelector,
        },
        matchConditions: cel.matchConditions,
        variables: cel.variables,
        mutations: [{ patchType: 'JSONPatch', jsonPatch: { expression: cel.patch } }],
      },
    }));
    this.binding = clusterScoped(new ApiObject(this, 'binding', {
      apiVersion,
      kind: 'MutatingAdmissionPolicyBinding',
      metadata: managedMetadata(name),
      spec: { policyName: name },
    }));
  }
}

/** `v1` from 1.36, `v1beta1` on 1.34–1.35 with allowBeta (warning naming the gate), refused below. */
function policyVersion(kubernetesVersion: string, allowBeta: boolean): 'v1' | 'v1beta1' {
  const m = /^1\.(\d+)(\.\d+)?$/.exec(String(kubernetesVersion));
  if (!m) throw new Error(`CaAdmissionPolicy kubernetesVersion ${JSON.stringify(kubernetesVersion)} is not a Kubernetes version; use the cluster's minor version, e.g. "1.36"`);
  const minor = Number(m[1]);
  if (minor >= 36) return 'v1';
  if (minor < 34) {
    throw new Error(`CaAdmissionPolicy: Kubernetes 1.${minor} has MutatingAdmissionPolicy only as alpha (or not at all); wire those pods at synth time or with the command (v1beta1 from 1.34, v1 from 1.36)`);
  }
  if (!allowBeta) {
    throw new Error(`CaAdmissionPolicy: on Kubernetes 1.${minor} MutatingAdmissionPolicy is admissionregistration.k8s.io/v1beta1, off by default; set allowBeta: true after enabling the MutatingAdmissionPolicy feature gate and --runtime-config=admissionregistration.k8s.io/v1beta1=true`);
  }
  warn(`CaAdmissionPolicy: emitting admissionregistration.k8s.io/v1beta1 for Kubernetes 1.${minor}: the API server needs the MutatingAdmissionPolicy feature gate and --runtime-config=admissionregistration.k8s.io/v1beta1=true, or it refuses the objects`);
  return 'v1beta1';
}
