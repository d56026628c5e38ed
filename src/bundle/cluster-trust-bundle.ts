/**
 * Distribution as Kubernetes ClusterTrustBundles (certificates.k8s.io): the options, their check
 * against the cluster's version, the object, and the pods' projected-volume source.
 */
import * as k8s from '../imports/k8s';
import { managedMetadata } from '../util/metadata';
import { checkDnsSubdomain } from '../util/validate';
import { warn } from '../util/warnings';

const DEFAULT_CTB_NAME = 'org-ca-bundle';

/**
 * Distribution as Kubernetes ClusterTrustBundles (`certificates.k8s.io`), which pods project with
 * a `clusterTrustBundle` volume source: GA (v1, on by default) from Kubernetes 1.37; v1beta1 in
 * 1.33 to 1.36 behind feature gates.
 */
export interface ClusterTrustBundleOptions {
  /**
   * Minor version of the cluster, e.g. "1.37". Below 1.37 the beta API is used only with
   * `allowBeta`; below 1.33 ClusterTrustBundles are alpha and refused.
   */
  readonly kubernetesVersion: string;

  /**
   * Use `certificates.k8s.io/v1beta1` on Kubernetes 1.33 to 1.36. The API server must run with
   * the `ClusterTrustBundle` and `ClusterTrustBundleProjection` feature gates and
   * `--runtime-config=certificates.k8s.io/v1beta1/clustertrustbundles=true`; without the
   * projection gate it silently drops the pods' `clusterTrustBundle` volume source.
   *
   * @default false
   */
  readonly allowBeta?: boolean;

  /**
   * Signer name (`<domain>/<path>`, e.g. "example.com/org-ca"). Pods then select the bundles by
   * signer and labels, and the object name must start with the signer name, slashes as colons.
   *
   * @default - no signer: pods select the bundle by name
   */
  readonly signerName?: string;

  /**
   * Name of the ClusterTrustBundle.
   *
   * @default "org-ca-bundle", or "<signer with : for />:org-ca" with a signer
   */
  readonly name?: string;

  /**
   * Labels of the ClusterTrustBundle; with a signer, pods select by them.
   *
   * @default - the managed-by label only
   */
  readonly labels?: { [key: string]: string };
}

/** ClusterTrustBundle options checked against the Kubernetes version and the certificates. @internal */
export interface ResolvedCtb {
  readonly version: 'v1' | 'v1beta1';
  readonly name: string;
  readonly signerName?: string;
  readonly labels: Record<string, string>;
}

const SIGNER_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+\/[-a-zA-Z0-9_.]+$/;

/** Checks the ClusterTrustBundle options (@internal) against the declared Kubernetes version and the certificates. */
export function resolveCtb(o: ClusterTrustBundleOptions, certs: ReadonlyArray<{ subject: string; isCa: boolean }>): ResolvedCtb {
  const m = /^1\.(\d+)(\.\d+)?$/.exec(String(o.kubernetesVersion));
  if (!m) {
    throw new Error(`clusterTrustBundle.kubernetesVersion ${JSON.stringify(o.kubernetesVersion)} is not a Kubernetes version; use the cluster's minor version, e.g. "1.37"`);
  }
  const minor = Number(m[1]);
  let version: 'v1' | 'v1beta1' = 'v1';
  if (minor < 33) {
    throw new Error(`clusterTrustBundle: Kubernetes 1.${minor} has ClusterTrustBundles only as alpha; use trust-manager or plain ConfigMaps there (v1beta1 from 1.33, v1 from 1.37)`);
  } else if (minor < 37) {
    if (!o.allowBeta) {
      throw new Error(`clusterTrustBundle: on Kubernetes 1.${minor} ClusterTrustBundle is certificates.k8s.io/v1beta1, off by default; set allowBeta: true after enabling the ClusterTrustBundle and ClusterTrustBundleProjection feature gates and --runtime-config=certificates.k8s.io/v1beta1/clustertrustbundles=true, or distribute with trust-manager`);
    }
    version = 'v1beta1';
    warn(`clusterTrustBundle: emitting certificates.k8s.io/v1beta1 for Kubernetes 1.${minor}: the API server needs the ClusterTrustBundle and ClusterTrustBundleProjection feature gates and --runtime-config=certificates.k8s.io/v1beta1/clustertrustbundles=true; without the projection gate it silently drops the pods' clusterTrustBundle volume source`);
  }
  const notCa = certs.filter(c => !c.isCa);
  if (notCa.length > 0) {
    throw new Error(`clusterTrustBundle: the API server accepts only CA certificates, and "${notCa[0].subject}" is not a CA (basicConstraints CA:FALSE or absent); remove it from the bundle or distribute with ConfigMaps`);
  }
  const labels = { ...o.labels };
  for (const [k, v] of Object.entries(labels)) checkLabel(k, v);
  if (o.signerName === undefined) {
    const name = checkDnsSubdomain('clusterTrustBundle.name', o.name ?? DEFAULT_CTB_NAME);
    return { version, name, labels };
  }
  if (!SIGNER_RE.test(o.signerName) || o.signerName.length > 253) {
    throw new Error(`clusterTrustBundle.signerName "${o.signerName}" is not a signer name: use <domain>/<path>, e.g. "example.com/org-ca"`);
  }
  const prefix = `${o.signerName.replace(/\//g, ':')}:`;
  const name = o.name ?? `${prefix}org-ca`;
  if (!name.startsWith(prefix) || name.length > 253 || !/^[-a-z0-9.:]+$/.test(name.slice(prefix.length)) || name === prefix) {
    throw new Error(`clusterTrustBundle.name "${name}" must start with the signer name, slashes as colons ("${prefix}"), followed by lower-case letters, digits, "-", "." or ":"`);
  }
  return { version, name, signerName: o.signerName, labels };
}

function checkLabel(k: string, v: string) {
  if (!/^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(k)) {
    throw new Error(`clusterTrustBundle.labels: "${k}" is not a valid label key`);
  }
  if (typeof v !== 'string' || !/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/.test(v)) {
    throw new Error(`clusterTrustBundle.labels: value ${JSON.stringify(v)} of "${k}" is not a valid label value`);
  }
}

/** The ClusterTrustBundle object (cluster-scoped) holding `pem`. @internal */
export function clusterTrustBundleManifest(c: ResolvedCtb, pem: string, sha256: string): any {
  return {
    apiVersion: `certificates.k8s.io/${c.version}`,
    kind: 'ClusterTrustBundle',
    metadata: managedMetadata(c.name, undefined, sha256, c.labels),
    spec: { ...(c.signerName ? { signerName: c.signerName } : {}), trustBundle: pem },
  };
}

/** The pods' `clusterTrustBundle` projected-volume source: by name, or by signer and labels. @internal */
export function clusterTrustBundleProjection(c: ResolvedCtb, path: string, optional: boolean): k8s.ClusterTrustBundleProjection {
  return c.signerName
    ? { signerName: c.signerName, labelSelector: { matchLabels: { ...c.labels } }, path, optional }
    : { name: c.name, path, optional };
}
