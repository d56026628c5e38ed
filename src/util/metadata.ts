import { ApiObject, Chart, JsonPatch } from 'cdk8s';

/**
 * Metadata keys the library writes or reads, in one place.
 * @internal
 */
export const METADATA = {
  /** Annotation carrying the bundle's sha256 on pod templates and distribution objects. */
  ROTATION_ANNOTATION: 'cdk8s-org-ca/bundle-sha256',
  /** Label or annotation (value "true") that keeps whole-chart wiring off an object. */
  OPT_OUT: 'cdk8s-org-ca/skip',
  /** Annotation naming the merge image of an object (for Included YAML). */
  MERGE_IMAGE: 'cdk8s-org-ca/merge-image',
  /** Annotation listing variables to leave alone on an object (comma-separated). */
  SKIP_VARIABLES: 'cdk8s-org-ca/skip-variables',
  /** Annotation ("true" or "false") turning the system bundle overlay on or off for an object. */
  SYSTEM_BUNDLE_OVERLAY: 'cdk8s-org-ca/system-bundle-overlay',
  /** Argo CD sync wave. */
  SYNC_WAVE: 'argocd.argoproj.io/sync-wave',
  /** Label on every object the library creates. */
  MANAGED_BY_LABEL: 'app.kubernetes.io/managed-by',
  MANAGED_BY_VALUE: 'cdk8s-org-ca',
} as const;

/**
 * The pod-template rotation annotation's value: the first 16 hex digits of the bundle's sha256
 * (64 bits tell two bundles apart; the full digest is on the distribution objects).
 * @internal
 */
export function rotationValue(sha256: string): string {
  return sha256.slice(0, 16);
}

/**
 * Metadata of an object the library creates: `name`, in `namespace` (none: the namespace it is
 * applied to, or cluster-scoped), labelled as the library's, annotated with the bundle's sha256
 * when it carries the bundle, and with an Argo CD sync wave when one is asked for.
 * @internal
 */
export function managedMetadata(
  name: string, namespace?: string, bundleSha256?: string, labels?: Record<string, string>, syncWave?: number,
): any {
  const notes = {
    ...(bundleSha256 !== undefined ? { [METADATA.ROTATION_ANNOTATION]: bundleSha256 } : {}),
    ...(syncWave !== undefined ? { [METADATA.SYNC_WAVE]: String(syncWave) } : {}),
  };
  return {
    name,
    ...(namespace !== undefined ? { namespace } : {}),
    labels: { [METADATA.MANAGED_BY_LABEL]: METADATA.MANAGED_BY_VALUE, ...labels },
    ...(Object.keys(notes).length > 0 ? { annotations: notes } : {}),
  };
}

/**
 * Marks `obj` cluster-scoped: a chart namespace must not leak into its metadata.
 * @internal
 */
export function clusterScoped<T extends ApiObject>(obj: T): T {
  if (Chart.of(obj).namespace) obj.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
  return obj;
}
