/**
 * Node trust that is applied as Kubernetes objects: OpenShift's cluster-wide trust settings, a
 * Karpenter EC2NodeClass, and a DaemonSet that gives containerd the CA for named registries on
 * clusters that cannot be reprovisioned.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { checkRegistries, NodeTrust } from './node-trust';
import { OrgCaBundle } from '../bundle/org-ca-bundle';
import { clusterScoped, managedMetadata, METADATA, rotationValue } from '../util/metadata';
import { checkDnsLabel, checkDnsSubdomain, checkImage } from '../util/validate';

/** Props of `OpenShiftClusterTrust`. */
export interface OpenShiftClusterTrustProps {
  /** The validated org CA. */
  readonly bundle: OrgCaBundle;
  /**
   * Emit the objects. `false` adds none.
   *
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Name of the ConfigMap in `openshift-config` that the cluster Proxy's `trustedCA` names (key
   * `ca-bundle.crt`). OpenShift merges it into the cluster trust bundle the nodes and the
   * platform use.
   *
   * @default "user-ca-bundle" (the name the installer uses for additionalTrustBundle)
   */
  readonly trustedCaConfigMapName?: string;
  /**
   * Registries (`host` or `host:port`) whose certificates the org CA issues: they get a key in
   * the `image.config.openshift.io` `additionalTrustedCA` ConfigMap (`:` written as `..`), for
   * image pulls and imagestream imports.
   *
   * @default - none: no image config objects
   */
  readonly registries?: string[];
  /**
   * Name of that registry ConfigMap in `openshift-config`.
   *
   * @default "org-ca-registries"
   */
  readonly registryConfigMapName?: string;
}

/**
 * OpenShift's cluster-wide trust, as objects for `oc apply`: the `openshift-config` ConfigMap the
 * cluster Proxy `trustedCA` names (the Proxy `cluster` with only that field set), and with
 * `registries` the ConfigMap `image.config.openshift.io/cluster` names in `additionalTrustedCA`.
 * For a new cluster, `NodeTrust.openShiftInstallConfig()` gives the install-config fields instead.
 */
export class OpenShiftClusterTrust extends Construct {
  constructor(scope: Construct, id: string, props: OpenShiftClusterTrustProps) {
    super(scope, id);
    if (props.enabled === false) return;
    const bundle = props.bundle;
    const trusted = checkDnsSubdomain('trustedCaConfigMapName', props.trustedCaConfigMapName ?? 'user-ca-bundle');
    new ApiObject(this, 'trusted-ca', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: managedMetadata(trusted, 'openshift-config', bundle.sha256),
      data: { 'ca-bundle.crt': bundle.pem },
    });
    clusterScoped(new ApiObject(this, 'proxy', {
      apiVersion: 'config.openshift.io/v1',
      kind: 'Proxy',
      metadata: { name: 'cluster' },
      spec: { trustedCA: { name: trusted } },
    }));
    if (props.registries === undefined) return;
    const registries = checkRegistries('OpenShiftClusterTrust registries', props.registries);
    const name = checkDnsSubdomain('registryConfigMapName', props.registryConfigMapName ?? 'org-ca-registries');
    new ApiObject(this, 'registry-cas', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: managedMetadata(name, 'openshift-config', bundle.sha256),
      data: Object.fromEntries(registries.map(r => [r.replace(':', '..'), bundle.pem])),
    });
    clusterScoped(new ApiObject(this, 'image', {
      apiVersion: 'config.openshift.io/v1',
      kind: 'Image',
      metadata: { name: 'cluster' },
      spec: { additionalTrustedCA: { name } },
    }));
  }
}

/** The node image family of a `KarpenterNodeClass`. */
export enum KarpenterAmiFamily {
  /** Amazon Linux 2023: MIME multi-part user data whose first part installs the CA. */
  AL2023 = 'AL2023',
  /** Bottlerocket: TOML user data with `settings.pki`. */
  BOTTLEROCKET = 'BOTTLEROCKET',
}

/** Props of `KarpenterNodeClass`. */
export interface KarpenterNodeClassProps {
  /** The validated org CA. */
  readonly bundle: OrgCaBundle;
  /**
   * Emit the EC2NodeClass. `false` adds none.
   *
   * @default true
   */
  readonly enabled?: boolean;
  /** Name of the EC2NodeClass. */
  readonly name: string;
  /** Node image family. */
  readonly amiFamily: KarpenterAmiFamily;
  /**
   * The rest of the EC2NodeClass `spec` (`role` or `instanceProfile`, `subnetSelectorTerms`,
   * `securityGroupSelectorTerms`, …) as Karpenter documents it. `userData` is the library's;
   * `amiSelectorTerms` defaults to the family's `@latest` alias.
   */
  readonly spec: { [key: string]: any };
}

/**
 * A Karpenter `EC2NodeClass` (`karpenter.k8s.aws/v1`) whose user data installs the org CA before
 * the kubelet starts: for AL2023 the MIME multi-part document of `NodeTrust.al2023UserData()`
 * (Karpenter merges its own nodeadm part into it), for Bottlerocket the TOML of
 * `NodeTrust.bottlerocketToml()` (Karpenter merges its settings into it).
 */
export class KarpenterNodeClass extends Construct {
  constructor(scope: Construct, id: string, props: KarpenterNodeClassProps) {
    super(scope, id);
    if (props.enabled === false) return;
    const name = checkDnsSubdomain('KarpenterNodeClass name', props.name);
    const spec = props.spec ?? {};
    if (spec.userData !== undefined) {
      throw new Error(`KarpenterNodeClass "${name}": spec.userData is the library's (the CA install); pass your own user data parts through NodeTrust.al2023UserData({ parts }) instead`);
    }
    const node = new NodeTrust(props.bundle);
    const al2023 = props.amiFamily === KarpenterAmiFamily.AL2023;
    clusterScoped(new ApiObject(this, 'node-class', {
      apiVersion: 'karpenter.k8s.aws/v1',
      kind: 'EC2NodeClass',
      metadata: managedMetadata(name, undefined, props.bundle.sha256),
      spec: {
        amiSelectorTerms: [{ alias: al2023 ? 'al2023@latest' : 'bottlerocket@latest' }],
        ...spec,
        userData: al2023 ? node.al2023UserData() : node.bottlerocketToml(),
      },
    }));
  }
}

/** Props of `ContainerdRegistryCa`. */
export interface ContainerdRegistryCaProps {
  /** The validated org CA. */
  readonly bundle: OrgCaBundle;
  /**
   * Emit the DaemonSet. `false` adds none.
   *
   * @default true
   */
  readonly enabled?: boolean;
  /** Registries (`host` or `host:port`) reached through the proxy whose pulls must trust the CA. */
  readonly registries: string[];
  /** An image with a POSIX shell (busybox, alpine, debian…), already pullable by the nodes. */
  readonly image: string;
  /**
   * Namespace of the DaemonSet. It mounts a host directory, so the namespace must allow it (Pod
   * Security `privileged`; `baseline` forbids hostPath volumes).
   *
   * @default - the chart's namespace
   */
  readonly namespace?: string;
  /**
   * Name of the DaemonSet.
   *
   * @default "containerd-registry-ca"
   */
  readonly name?: string;
  /**
   * containerd's registry host directory on the node (its CRI `config_path`).
   *
   * @default "/etc/containerd/certs.d"
   */
  readonly hostsDir?: string;
}

/**
 * The script the DaemonSet runs (from its spec; the CA comes from the spec's env, never from a
 * namespace object): for each registry, `<hostsDir>/<registry>/org-ca.crt` and a `hosts.toml`
 * naming it as the server's `ca`, written atomically; a `hosts.toml` the library did not write is
 * left alone, loudly. Rewrites every 10 minutes (a deleted file comes back); exits non-zero when it
 * cannot write.
 * @internal
 */
export const CONTAINERD_HOSTS_SCRIPT = `set -u
host_dir=$1 node_dir=$2
shift 2
marker='# written by cdk8s-org-ca (ContainerdRegistryCa): do not edit'
say() { echo "containerd-registry-ca: $*" >&2; }
put() {
  tmp="$1.tmp.$$"
  if printf '%s\\n' "$2" >"$tmp" && chmod 0644 "$tmp" && mv -f "$tmp" "$1"; then return 0; fi
  rm -f "$tmp"
  say "cannot write $1"
  exit 1
}
sync() {
  for reg in "$@"; do
    d="$node_dir/$reg"
    mkdir -p "$d" || { say "cannot create $d"; exit 1; }
    if [ -e "$d/hosts.toml" ]; then
      first=
      read -r first <"$d/hosts.toml" || true
      if [ "$first" != "$marker" ]; then
        say "warning: $host_dir/$reg/hosts.toml exists and was not written by cdk8s-org-ca: left as it is, so pulls from $reg do NOT use the org CA; add ca = \\"$host_dir/$reg/org-ca.crt\\" to it yourself"
        continue
      fi
    fi
    case $reg in docker.io) server=https://registry-1.docker.io ;; *) server=https://$reg ;; esac
    put "$d/org-ca.crt" "$ORG_CA_PEM"
    put "$d/hosts.toml" "$marker
server = \\"$server\\"
ca = \\"$host_dir/$reg/org-ca.crt\\""
  done
}
sync "$@"
echo "containerd-registry-ca: wrote the org CA for $# registr(y/ies) under $host_dir"
while sleep 600; do sync "$@"; done`;

const NODE_MOUNT = '/host/containerd-certs.d';

/**
 * For clusters you cannot reprovision: a DaemonSet that writes the org CA into containerd's
 * registry host directory (`/etc/containerd/certs.d/<registry>/hosts.toml` and `org-ca.crt`) for
 * the registries you list, so image pulls through the proxy trust it. containerd reads those
 * files at each pull: no restart. It is the narrowest host change that does this: root (to write
 * the root-owned directory) but no privilege, every capability dropped, read-only root file
 * system, one hostPath directory; its risks are in README. Needs containerd's CRI registry
 * `config_path` to be that directory (the default of containerd 2; set in most managed node
 * images). It covers image pulls only, not the node's other TLS clients.
 */
export class ContainerdRegistryCa extends Construct {
  /** The DaemonSet, when enabled. */
  public readonly daemonSet?: ApiObject;

  constructor(scope: Construct, id: string, props: ContainerdRegistryCaProps) {
    super(scope, id);
    if (props.enabled === false) return;
    const registries = checkRegistries('ContainerdRegistryCa registries', props.registries);
    const image = checkImage('ContainerdRegistryCa image', props.image);
    const name = checkDnsLabel('ContainerdRegistryCa name', props.name ?? 'containerd-registry-ca');
    if (props.namespace !== undefined) checkDnsLabel('ContainerdRegistryCa namespace', props.namespace);
    const hostsDir = props.hostsDir ?? '/etc/containerd/certs.d';
    if (!/^\/[A-Za-z0-9._/-]+$/.test(hostsDir) || hostsDir.split('/').includes('..') || !/\/certs\.d$/.test(hostsDir)) {
      throw new Error(`ContainerdRegistryCa hostsDir "${hostsDir}" must be an absolute path of containerd's registry host directory, ending in /certs.d (e.g. "/etc/containerd/certs.d")`);
    }
    const labels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/managed-by': 'cdk8s-org-ca' };
    this.daemonSet = new ApiObject(this, 'daemonset', {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: managedMetadata(name, props.namespace, props.bundle.sha256),
      spec: {
        selector: { matchLabels: { 'app.kubernetes.io/name': name } },
        updateStrategy: { type: 'RollingUpdate' },
        template: {
          metadata: { labels, annotations: { [METADATA.ROTATION_ANNOTATION]: rotationValue(props.bundle.sha256) } },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            nodeSelector: { 'kubernetes.io/os': 'linux' },
            // every node, tainted ones too: a node without the CA cannot pull
            tolerations: [{ operator: 'Exists' }],
            containers: [{
              name: 'write-ca',
              image,
              command: ['/bin/sh', '-c', CONTAINERD_HOSTS_SCRIPT, 'containerd-registry-ca', hostsDir, NODE_MOUNT, ...registries],
              env: [{ name: 'ORG_CA_PEM', value: props.bundle.pem }],
              resources: { limits: { cpu: '50m', memory: '32Mi' }, requests: { cpu: '5m', memory: '16Mi' } },
              securityContext: {
                runAsUser: 0,
                runAsNonRoot: false,
                privileged: false,
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
                seccompProfile: { type: 'RuntimeDefault' },
              },
              volumeMounts: [{ name: 'containerd-certs', mountPath: NODE_MOUNT }],
            }],
            volumes: [{ name: 'containerd-certs', hostPath: { path: hostsDir, type: 'DirectoryOrCreate' } }],
          },
        },
      },
    });
  }
}
