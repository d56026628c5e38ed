import { createHash } from 'node:crypto';
import { OrgCaBundle } from '../bundle/org-ca-bundle';

/**
 * One part of a MIME multi-part user-data document.
 */
export interface UserDataPart {
  /** MIME content type, e.g. "text/x-shellscript" or "application/node.eks.aws". */
  readonly contentType: string;
  /** The part's text. */
  readonly content: string;
}

/**
 * Options of `NodeTrust.al2023UserData`.
 */
export interface Al2023UserDataOptions {
  /**
   * Your own parts (a NodeConfig for nodeadm, more scripts), placed after the CA part.
   *
   * @default - none
   */
  readonly parts?: UserDataPart[];

  /**
   * File name of the CA in `/etc/pki/ca-trust/source/anchors/`.
   *
   * @default "org-ca.crt"
   */
  readonly anchorFileName?: string;
}

/** Options every node trust generator takes. */
export interface NodeTrustGeneratorOptions {
  /**
   * Emit it. `false` returns an empty result (an empty string, list or object) or adds no object,
   * so a platform switch can stay in one place.
   *
   * @default true
   */
  readonly enabled?: boolean;
}

/** Options of `NodeTrust.openShiftInstallConfig`. */
export interface OpenShiftInstallConfigOptions extends NodeTrustGeneratorOptions {
  /**
   * `additionalTrustBundlePolicy`: `Proxyonly` (the installer's default: the bundle is used when a
   * proxy is configured) or `Always` (nodes and the cluster trust it with or without a proxy).
   *
   * @default "Always" (a TLS-inspecting proxy that is transparent needs no proxy setting)
   */
  readonly policy?: string;
}

/** Options of `NodeTrust.talosTrustedRootsConfig`. */
export interface TalosTrustedRootsOptions extends NodeTrustGeneratorOptions {
  /**
   * Name of the config document.
   *
   * @default "org-ca"
   */
  readonly name?: string;
}

/** The Kubernetes distribution of `NodeTrust.k3sRegistries`. */
export enum K3sDistribution {
  /** k3s: /etc/rancher/k3s */
  K3S = 'K3S',
  /** RKE2: /etc/rancher/rke2 */
  RKE2 = 'RKE2',
}

/** Options of `NodeTrust.k3sRegistries`. */
export interface K3sRegistriesOptions extends NodeTrustGeneratorOptions {
  /** Private registries behind the proxy, `host` or `host:port` (e.g. "registry.example.com:5000"). */
  readonly registries: string[];
  /**
   * k3s or RKE2 (where the files live).
   *
   * @default K3sDistribution.K3S
   */
  readonly distribution?: K3sDistribution;
}

/** What `NodeTrust.k3sRegistries` returns: the registries.yaml and the CA file it points to. */
export interface K3sRegistriesConfig {
  /** Where registries.yaml goes, e.g. "/etc/rancher/k3s/registries.yaml". */
  readonly registriesPath: string;
  /** Its content (an empty string when disabled). */
  readonly registriesYaml: string;
  /** Where the CA goes, e.g. "/etc/rancher/k3s/org-ca.crt" (what `tls.ca_file` names). */
  readonly caFilePath: string;
  /** The CA file's content, the bundle's PEM (an empty string when disabled). */
  readonly caPem: string;
}

/** Options of `NodeTrust.gkeContainerdConfig`. */
export interface GkeContainerdConfigOptions extends NodeTrustGeneratorOptions {
  /**
   * The Secret Manager secret version that holds the bundle's PEM (store `NodeTrust.pem()` there
   * first), "projects/PROJECT/secrets/NAME/versions/VERSION".
   */
  readonly secretUri: string;
  /** Registry hosts (`host` or `host:port`, no wildcards) whose certificates the CA verifies. */
  readonly fqdns: string[];
}

const ANCHORS = '/etc/pki/ca-trust/source/anchors';
const SETTING_NAME_RE = /^[a-z0-9][a-z0-9-]*$/;
/** A registry host as containerd and the platforms take it: DNS name or IPv4, optional port; no scheme, path or wildcard. */
const REGISTRY_RE = /^(?=.{1,253}(:|$))[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*(:[1-9][0-9]{0,4})?$/;
const AKS_MAX_CERTIFICATES = 10;

/**
 * Checks registry hosts (they become file names, TOML keys and shell arguments).
 * @internal
 */
export function checkRegistries(what: string, registries: string[]): string[] {
  if (!Array.isArray(registries) || registries.length === 0) {
    throw new Error(`${what} is empty: name the private registries behind the proxy, e.g. ["registry.example.com:5000"]`);
  }
  for (const r of registries) {
    const port = typeof r === 'string' ? Number(r.split(':')[1] ?? '1') : 0;
    if (typeof r !== 'string' || !REGISTRY_RE.test(r) || port > 65535) {
      throw new Error(`${what}: ${JSON.stringify(r)} is not a registry host: write a lower-case host name or IPv4 address with an optional port, e.g. "registry.example.com:5000" (no scheme, path or wildcard)`);
    }
  }
  if (new Set(registries).size !== registries.length) throw new Error(`${what} lists a registry twice: ${registries.join(', ')}`);
  return registries;
}

/**
 * The org CA for the node operating system's trust store, so nodes can pull images and reach the
 * control plane through the proxy before any pod runs.
 *
 * - Amazon Linux 2023 / AL2: a MIME multi-part user-data document whose first part, a shell
 *   script, writes the CA to `/etc/pki/ca-trust/source/anchors/org-ca.crt` and runs
 *   `update-ca-trust extract`. cloud-init runs shell parts before nodeadm starts the kubelet.
 * - Bottlerocket: `settings.pki.org-ca` with `data` (base64 PEM) and `trusted = true`, as TOML or as
 *   a JSON object.
 *
 * - cloud-init nodes (`cloudConfig`), AKS (`aksCustomCaTrustCertificates`), OpenShift
 *   (`openShiftInstallConfig`, and the `OpenShiftClusterTrust` construct), Talos
 *   (`talosTrustedRootsConfig`), k3s and RKE2 (`k3sRegistries`), GKE (`gkeContainerdConfig`), and
 *   Karpenter (the `KarpenterNodeClass` construct), each in the platform's own field names.
 *
 * For existing clusters the `ContainerdRegistryCa` DaemonSet gives containerd the CA for named
 * registries (image pulls only, no restart). The node's other clients only trust what is in the
 * node image or its provisioning: containerd reads the system roots once per process.
 */
export class NodeTrust {
  private readonly bundle: OrgCaBundle;

  constructor(bundle: OrgCaBundle) {
    this.bundle = bundle;
  }

  /**
   * The shell script (POSIX sh) that installs the CA on AL2023/AL2 and rebuilds the system bundle.
   *
   * @param anchorFileName file name in /etc/pki/ca-trust/source/anchors
   * @default "org-ca.crt"
   */
  public al2023Script(anchorFileName?: string): string {
    const file = anchorFileName ?? 'org-ca.crt';
    if (!/^[-._a-zA-Z0-9]+\.(crt|pem)$/.test(file)) {
      throw new Error(`anchorFileName "${file}" must be a plain file name ending in .crt or .pem`);
    }
    // The PEM is normalised (LF, base64 and armour only), so a quoted here-document is safe.
    return [
      '#!/bin/sh',
      '# cdk8s-org-ca: install the organisation CA before nodeadm starts the kubelet',
      'set -eu',
      `mkdir -p ${ANCHORS}`,
      `cat > ${ANCHORS}/${file} <<'ORG_CA_EOF'`,
      this.bundle.pem.trimEnd(),
      'ORG_CA_EOF',
      `chmod 0644 ${ANCHORS}/${file}`,
      'update-ca-trust extract',
      '',
    ].join('\n');
  }

  /**
   * A MIME multi-part user-data document (what EC2 launch templates take for AL2023 nodes): the
   * CA script first, then `options.parts`.
   */
  public al2023UserData(options: Al2023UserDataOptions = {}): string {
    const parts: UserDataPart[] = [
      { contentType: 'text/x-shellscript; charset="us-ascii"', content: this.al2023Script(options.anchorFileName) },
      ...(options.parts ?? []),
    ];
    // A boundary that cannot appear in any part: derived from the content, checked anyway.
    const boundary = `==ORGCA${createHash('sha256').update(parts.map(p => p.content).join('\0')).digest('hex').slice(0, 24)}==`;
    const lines = ['MIME-Version: 1.0', `Content-Type: multipart/mixed; boundary="${boundary}"`, ''];
    for (const p of parts) {
      if (!p.contentType || /[\r\n]/.test(p.contentType)) {
        throw new Error(`user-data part content type ${JSON.stringify(p.contentType)} must be one line, e.g. "text/x-shellscript"`);
      }
      if (p.content.includes(boundary)) {
        throw new Error('a user-data part contains the MIME boundary; this cannot happen by chance: check the part');
      }
      lines.push(`--${boundary}`, `Content-Type: ${p.contentType}`, '', p.content.replace(/\r\n/g, '\n').replace(/\n?$/, ''), '');
    }
    lines.push(`--${boundary}--`, '');
    return lines.join('\n');
  }

  /**
   * Bottlerocket settings as TOML: `[settings.pki.<name>]` with `data` (base64 PEM) and `trusted = true`.
   *
   * @param name the setting name under settings.pki
   * @default "org-ca"
   */
  public bottlerocketToml(name?: string): string {
    const n = checkSettingName(name ?? 'org-ca');
    return `[settings.pki.${n}]\ndata = "${this.base64()}"\ntrusted = true\n`;
  }

  /**
   * Bottlerocket settings as a JSON object: `{ settings: { pki: { <name>: { data, trusted: true } } } }`
   * (for the API client, or tools that take settings as JSON).
   *
   * @param name the setting name under settings.pki
   * @default "org-ca"
   */
  public bottlerocketSettings(name?: string): any {
    const n = checkSettingName(name ?? 'org-ca');
    return { settings: { pki: { [n]: { data: this.base64(), trusted: true } } } };
  }

  /** The bundle's PEM (the validated, normalised certificates), e.g. for a Secret Manager secret. */
  public pem(): string {
    return this.bundle.pem;
  }

  /**
   * A cloud-config for Ubuntu, Debian and other cloud-init nodes: the `ca_certs` module with each
   * certificate in `trusted` (cloud-init writes them to the system store and runs
   * `update-ca-certificates` before the kubelet starts). The public roots stay: `remove_defaults`
   * is never set. Merge it into your user data (cloud-init merges `#cloud-config` parts).
   */
  public cloudConfig(options: NodeTrustGeneratorOptions = {}): string {
    if (options.enabled === false) return '';
    const items = this.certificatePems().map(p => `    - |\n${p.trimEnd().split('\n').map(l => `      ${l}`).join('\n')}`);
    return ['#cloud-config', '# cdk8s-org-ca: the organisation CA for the node trust store', 'ca_certs:', '  trusted:', ...items, ''].join('\n');
  }

  /**
   * AKS `securityProfile.customCATrustCertificates`: one base64-encoded PEM certificate per entry,
   * at most 10 (AKS's limit; more is an error). For the ARM/Bicep property, Terraform's
   * `custom_ca_trust_certificates_base64`, or `az aks create --custom-ca-trust-certificates` (which
   * takes the PEM file itself). Linux node pools only.
   */
  public aksCustomCaTrustCertificates(options: NodeTrustGeneratorOptions = {}): string[] {
    if (options.enabled === false) return [];
    const pems = this.certificatePems();
    if (pems.length > AKS_MAX_CERTIFICATES) {
      throw new Error(`AKS customCATrustCertificates takes at most ${AKS_MAX_CERTIFICATES} certificates; the bundle holds ${pems.length}: install only the CAs the nodes need (e.g. the proxy's issuing root)`);
    }
    return pems.map(p => Buffer.from(p, 'utf8').toString('base64'));
  }

  /** The AKS managed cluster `securityProfile` fragment: `{ customCATrustCertificates: [...] }`. */
  public aksSecurityProfile(options: NodeTrustGeneratorOptions = {}): any {
    if (options.enabled === false) return {};
    return { customCATrustCertificates: this.aksCustomCaTrustCertificates() };
  }

  /**
   * The OpenShift install-config fields (YAML, to merge into install-config.yaml):
   * `additionalTrustBundlePolicy` and `additionalTrustBundle` (the PEM).
   */
  public openShiftInstallConfig(options: OpenShiftInstallConfigOptions = {}): string {
    if (options.enabled === false) return '';
    const policy = options.policy ?? 'Always';
    if (policy !== 'Always' && policy !== 'Proxyonly') {
      throw new Error(`OpenShift additionalTrustBundlePolicy "${policy}" must be "Proxyonly" or "Always"`);
    }
    return [`additionalTrustBundlePolicy: ${policy}`, 'additionalTrustBundle: |', ...this.bundle.pem.trimEnd().split('\n').map(l => `  ${l}`), ''].join('\n');
  }

  /**
   * A Talos `TrustedRootsConfig` machine config document (YAML; append it to the machine config
   * with `---`, or apply it as a patch): the node trusts the CA for image pulls and Talos' own TLS.
   */
  public talosTrustedRootsConfig(options: TalosTrustedRootsOptions = {}): string {
    if (options.enabled === false) return '';
    const name = options.name ?? 'org-ca';
    if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(name)) {
      throw new Error(`Talos TrustedRootsConfig name "${name}" must be lower-case letters, digits and "-"`);
    }
    return ['apiVersion: v1alpha1', 'kind: TrustedRootsConfig', `name: ${name}`, 'certificates: |', ...this.bundle.pem.trimEnd().split('\n').map(l => `  ${l}`), ''].join('\n');
  }

  /**
   * k3s or RKE2 `registries.yaml`: `configs.<registry>.tls.ca_file` pointing at the CA file, for
   * private registries reached through the proxy. Write both files on every node before k3s/RKE2
   * starts (or restart it): it renders containerd's registry configuration from them at start.
   */
  public k3sRegistries(options: K3sRegistriesOptions): K3sRegistriesConfig {
    const dir = (options.distribution ?? K3sDistribution.K3S) === K3sDistribution.RKE2 ? '/etc/rancher/rke2' : '/etc/rancher/k3s';
    const paths = { registriesPath: `${dir}/registries.yaml`, caFilePath: `${dir}/org-ca.crt` };
    if (options.enabled === false) return { ...paths, registriesYaml: '', caPem: '' };
    const registries = checkRegistries('k3sRegistries registries', options.registries);
    const lines = ['# cdk8s-org-ca: private registries behind the proxy trust the organisation CA', 'configs:'];
    for (const r of registries) lines.push(`  "${r}":`, '    tls:', `      ca_file: ${paths.caFilePath}`);
    return { ...paths, registriesYaml: lines.join('\n') + '\n', caPem: this.bundle.pem };
  }

  /**
   * GKE's containerd configuration (`ContainerdConfig`, REST/JSON field names) for private
   * registries with a private CA: `privateRegistryAccessConfig` naming the Secret Manager secret
   * that holds the PEM. For the cluster or node pool API field `containerdConfig`, or
   * `gcloud container clusters update --containerd-config-from-file`. It covers image pulls only;
   * pods still need the workload wiring.
   */
  public gkeContainerdConfig(options: GkeContainerdConfigOptions): any {
    if (options.enabled === false) return {};
    if (typeof options.secretUri !== 'string' || !/^projects\/[^/\s]+\/secrets\/[^/\s]+\/versions\/[^/\s]+$/.test(options.secretUri)) {
      throw new Error(`gkeContainerdConfig secretUri ${JSON.stringify(options.secretUri)} must be "projects/PROJECT/secrets/NAME/versions/VERSION" (a Secret Manager secret version holding NodeTrust.pem())`);
    }
    const fqdns = checkRegistries('gkeContainerdConfig fqdns', options.fqdns);
    return {
      privateRegistryAccessConfig: {
        enabled: true,
        certificateAuthorityDomainConfig: [{ fqdns, gcpSecretManagerCertificateConfig: { secretUri: options.secretUri } }],
      },
    };
  }

  /** The bundle's PEM, base64-encoded (what EKS modules take as `extra_ca_bundle`). */
  public base64(): string {
    return Buffer.from(this.bundle.pem, 'utf8').toString('base64');
  }

  /** Each certificate of the bundle as its own PEM block. */
  private certificatePems(): string[] {
    return this.bundle.pem.match(/-----BEGIN CERTIFICATE-----\n[^-]*-----END CERTIFICATE-----\n?/g)!.map(p => p.replace(/\n?$/, '\n'));
  }
}

function checkSettingName(n: string): string {
  if (!SETTING_NAME_RE.test(n)) {
    throw new Error(`Bottlerocket pki setting name "${n}" must be lower-case letters, digits and "-"`);
  }
  return n;
}
