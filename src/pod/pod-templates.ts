/**
 * Where the pod templates of each workload kind live, as JSON pointers to an object with
 * `metadata` and `spec` (a PodTemplateSpec; for a Pod, the object itself: "").
 * `*` matches every element of an array.
 *
 * @internal
 */
export const BUILTIN_TEMPLATE_PATHS: Record<string, string[]> = {
  'v1/Pod': [''],
  'v1/ReplicationController': ['/spec/template'],
  'v1/PodTemplate': ['/template'],
  'apps/v1/Deployment': ['/spec/template'],
  'apps/v1/StatefulSet': ['/spec/template'],
  'apps/v1/DaemonSet': ['/spec/template'],
  'apps/v1/ReplicaSet': ['/spec/template'],
  'batch/v1/Job': ['/spec/template'],
  'batch/v1/CronJob': ['/spec/jobTemplate/spec/template'],
  'ray.io/v1/RayCluster': ['/spec/headGroupSpec/template', '/spec/workerGroupSpecs/*/template'],
  'ray.io/v1/RayJob': ['/spec/rayClusterSpec/headGroupSpec/template', '/spec/rayClusterSpec/workerGroupSpecs/*/template'],
  'ray.io/v1/RayService': ['/spec/rayClusterConfig/headGroupSpec/template', '/spec/rayClusterConfig/workerGroupSpecs/*/template'],
};

/**
 * Kubernetes kinds defined without a pod template: whole-chart wiring passes them over without
 * rendering them to look for one (a render per Service, ConfigMap, RBAC object... in a big chart or
 * a vendor render).
 * @internal
 */
export const KINDS_WITHOUT_POD_TEMPLATES = new Set([
  'v1/Service', 'v1/ConfigMap', 'v1/Secret', 'v1/ServiceAccount', 'v1/Namespace', 'v1/PersistentVolumeClaim',
  'v1/PersistentVolume', 'v1/Endpoints', 'v1/LimitRange', 'v1/ResourceQuota',
  'rbac.authorization.k8s.io/v1/Role', 'rbac.authorization.k8s.io/v1/RoleBinding',
  'rbac.authorization.k8s.io/v1/ClusterRole', 'rbac.authorization.k8s.io/v1/ClusterRoleBinding',
  'networking.k8s.io/v1/Ingress', 'networking.k8s.io/v1/IngressClass', 'networking.k8s.io/v1/NetworkPolicy',
  'policy/v1/PodDisruptionBudget', 'autoscaling/v1/HorizontalPodAutoscaler', 'autoscaling/v2/HorizontalPodAutoscaler',
  'storage.k8s.io/v1/StorageClass', 'scheduling.k8s.io/v1/PriorityClass', 'discovery.k8s.io/v1/EndpointSlice',
  'apiextensions.k8s.io/v1/CustomResourceDefinition', 'apiregistration.k8s.io/v1/APIService',
  'admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration', 'admissionregistration.k8s.io/v1/MutatingWebhookConfiguration',
  'trust.cert-manager.io/v1alpha1/Bundle', 'certificates.k8s.io/v1/ClusterTrustBundle', 'certificates.k8s.io/v1beta1/ClusterTrustBundle',
]);

/** Whether the library knows where `apiVersion/kind` keeps its pod templates. @internal */
export function knowsPodTemplate(apiVersion: string, kind: string): boolean {
  return BUILTIN_TEMPLATE_PATHS[`${apiVersion}/${kind}`] !== undefined;
}

/**
 * The pod template pointers of an object: `override` when given, else the built-in paths of its
 * kind; an unknown kind without `override` is an error naming the fix.
 * @internal
 */
export function templatePathsFor(apiVersion: string, kind: string, name: string, override?: string[]): string[] {
  const paths = override ?? BUILTIN_TEMPLATE_PATHS[`${apiVersion}/${kind}`];
  if (!paths) {
    throw new Error(`${kind} "${name}" (${apiVersion}) has no known pod template: pass podTemplatePaths, e.g. ["/spec/template"]`);
  }
  return paths;
}

/** A pod template found in an object: its pointer and the template object (mutable). @internal */
export interface FoundTemplate {
  readonly pointer: string;
  readonly template: any;
}

/** A JSON pointer segment (RFC 6901): "~" as "~0", "/" as "~1". @internal */
export function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** The keys a JSON pointer (RFC 6901) names, unescaped: "" is the whole document. @internal */
export function pointerSegments(p: string): string[] {
  return p === '' ? [] : p.slice(1).split('/').map(s => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Resolves pointers (with `*`) against `json`; missing paths yield nothing. @internal */
export function findTemplates(json: any, pointers: string[]): FoundTemplate[] {
  const out: FoundTemplate[] = [];
  for (const p of pointers) {
    walk(json, pointerSegments(p), '', out);
  }
  return out;
}

function walk(node: any, segs: string[], at: string, out: FoundTemplate[]) {
  if (node === undefined || node === null || typeof node !== 'object') return;
  if (segs.length === 0) {
    out.push({ pointer: at, template: node });
    return;
  }
  const [head, ...rest] = segs;
  if (head === '*') {
    if (Array.isArray(node)) node.forEach((v, i) => walk(v, rest, `${at}/${i}`, out));
    return;
  }
  walk(node[head], rest, `${at}/${head}`, out);
}

/**
 * Looks for something shaped like a pod spec (an object with a `containers` array) anywhere in an
 * object of an unknown kind; returns the pointer of its parent template, or undefined.
 * @internal
 */
export function sniffPodTemplate(json: any): string | undefined {
  const stack: Array<{ node: any; at: string; depth: number }> = [{ node: json, at: '', depth: 0 }];
  while (stack.length) {
    const { node, at, depth } = stack.shift()!;
    if (!node || typeof node !== 'object' || depth > 8) continue;
    if (!Array.isArray(node) && Array.isArray(node.containers)) {
      // `at` is the pod spec; its template is the parent
      return at.replace(/\/spec$/, '');
    }
    for (const [k, v] of Object.entries(node)) {
      if (at === '' && (k === 'metadata' || k === 'status')) continue;
      stack.push({ node: v, at: `${at}/${escapePointer(k)}`, depth: depth + 1 });
    }
  }
  return undefined;
}
