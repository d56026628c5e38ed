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

const ANCHORS = '/etc/pki/ca-trust/source/anchors';
const SETTING_NAME_RE = /^[a-z0-9][a-z0-9-]*$/;

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
 * For nodes this library does not provision (existing clusters, other clouds) the operator must
 * install the CA into every node's trust store before the kubelet and containerd start (a machine
 * image, a bootstrap script, configuration management): containerd reads the system roots once
 * per process, so installing them later from a DaemonSet needs a containerd restart on each node.
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

  /** The bundle's PEM, base64-encoded (what EKS modules take as `extra_ca_bundle`). */
  public base64(): string {
    return Buffer.from(this.bundle.pem, 'utf8').toString('base64');
  }
}

function checkSettingName(n: string): string {
  if (!SETTING_NAME_RE.test(n)) {
    throw new Error(`Bottlerocket pki setting name "${n}" must be lower-case letters, digits and "-"`);
  }
  return n;
}
