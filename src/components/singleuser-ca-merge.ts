import { CaConfigMapRef, OrgCaBundle } from '../bundle/org-ca-bundle';
import { MergedCaInitContainer } from '../pod/merged-ca-init-container';
import { ensureEnv, ensureMount, sameJson } from '../pod/pod-patch';

/**
 * Properties of `SingleuserCaMerge`.
 */
export interface SingleuserCaMergeProps {
  /**
   * Wire at all. Disabled returns the user's values unchanged.
   *
   * @default true
   */
  readonly enabled?: boolean;

  /**
   * Namespace of JupyterHub, to pick the bundle's ConfigMap there.
   *
   * @default - the bundle's namespace-independent ConfigMap (the trust-manager projection)
   */
  readonly namespace?: string;

  /**
   * ConfigMap to merge (name and key).
   *
   * @default - `bundle.configMapFor(namespace)`
   */
  readonly configMap?: CaConfigMapRef;

  /**
   * Image of the merge init container.
   *
   * @default - the singleuser image from the values (`singleuser.image.name:tag`)
   */
  readonly image?: string;

  /**
   * Init containers from the values that make HTTPS calls (e.g. a package pull) and must get the
   * variables and the merged mount; they run after the merge.
   *
   * @default - every init container already in `singleuser.initContainers`
   */
  readonly wireInitContainers?: string[];

  /**
   * Labels of the JupyterHub namespace, to warn when it enforces Pod Security "restricted" while the
   * values keep z2jh's privileged `block-cloud-metadata` init container.
   *
   * @default - no check
   */
  readonly namespaceLabels?: { [key: string]: string };
}

/**
 * The org CA for JupyterHub singleuser pods (zero-to-jupyterhub Helm values). KubeSpawner creates
 * those pods, so the wiring is values: `singleuser.initContainers` (the merge, first),
 * `singleuser.extraEnv` (REQUESTS_CA_BUNDLE, SSL_CERT_FILE, NODE_EXTRA_CA_CERTS, CURL_CA_BUNDLE,
 * GIT_SSL_CAINFO → `/etc/ssl/certs-extra/ca-bundle.crt`), `singleuser.storage.extraVolumes` and
 * `extraVolumeMounts`. The ConfigMap mount is optional, so a cluster without the projection
 * degrades to the image's system bundle.
 */
export class SingleuserCaMerge {
  /** The merged bundle inside singleuser pods. */
  public static readonly MERGED_FILE = '/etc/ssl/certs-extra/ca-bundle.crt';

  /** The pod wiring. */
  public readonly wiring: MergedCaInitContainer;

  /** Warnings found by the last `values()` call. */
  public readonly warnings: string[] = [];

  private readonly props: SingleuserCaMergeProps;

  constructor(bundle: OrgCaBundle, props: SingleuserCaMergeProps = {}) {
    this.props = props;
    this.wiring = new MergedCaInitContainer(bundle, {
      enabled: props.enabled,
      configMap: props.configMap,
      mergedDir: '/etc/ssl/certs-extra',
      mergedFileName: 'ca-bundle.crt',
    });
  }

  /**
   * The user's z2jh values with the org CA wired in. Appends to their init containers, env,
   * volumes and mounts; a conflicting variable or name is an error. Disabled: the values come back
   * unchanged.
   *
   * @param userValues the z2jh values to extend
   * @default - empty values
   */
  public values(userValues?: any): any {
    this.warnings.length = 0;
    if (!this.wiring.enabled) return userValues;
    const v = JSON.parse(JSON.stringify(userValues ?? {}));
    const su = v.singleuser = v.singleuser ?? {};
    const where = 'z2jh values singleuser';

    const image = this.props.image ?? (su.image?.name && su.image?.tag ? `${su.image.name}:${su.image.tag}` : undefined);
    if (!image) {
      throw new Error('SingleuserCaMerge: no image for the merge init container: set image, or singleuser.image.name and singleuser.image.tag in the values');
    }

    // init containers: the merge first, the user's after it
    const ours = this.wiring.initContainers(image);
    const existing: any[] = su.initContainers ?? [];
    for (const o of ours) {
      const same = existing.find(c => c.name === o.name);
      if (same && !sameJson(same, o)) {
        throw new Error(`${where}.initContainers already has "${o.name}" and it is not the org CA merge; rename it`);
      }
    }
    const kept = existing.filter(c => !ours.some(o => o.name === c.name));
    const toWire = this.props.wireInitContainers ?? kept.map(c => c.name);
    for (const n of toWire) {
      const c = kept.find(x => x.name === n);
      if (!c) throw new Error(`${where}: wireInitContainers lists "${n}", which is not in singleuser.initContainers`);
      for (const m of this.wiring.volumeMounts()) ensureMount(c, m, `${where} init container "${n}"`, 'mergedDir');
      for (const e of this.wiring.env()) ensureEnv(c, e, `${where} init container "${n}"`, new Set());
    }
    su.initContainers = [...ours, ...kept];

    // the notebook container's variables
    const env = this.wiring.env();
    if (Array.isArray(su.extraEnv)) {
      const holder = { env: su.extraEnv };
      for (const e of env) ensureEnv(holder, e, `${where}.extraEnv`, new Set());
    } else {
      su.extraEnv = su.extraEnv ?? {};
      for (const e of env) {
        const cur = su.extraEnv[e.name];
        const curValue = typeof cur === 'string' ? cur : cur?.value;
        if (cur !== undefined && curValue !== e.value) {
          throw new Error(`${where}.extraEnv already sets ${e.name} to ${JSON.stringify(cur)}, not "${e.value}"; remove it`);
        }
        if (cur === undefined) su.extraEnv[e.name] = e.value;
      }
    }

    // volumes and the notebook container's mount
    su.storage = su.storage ?? {};
    const volumes = this.wiring.volumes(this.props.namespace);
    su.storage.extraVolumes = addNamed(su.storage.extraVolumes, volumes, `${where}.storage.extraVolumes`, 'name');
    su.storage.extraVolumeMounts = addNamed(su.storage.extraVolumeMounts, this.wiring.volumeMounts(), `${where}.storage.extraVolumeMounts`, 'mountPath');

    const enforce = this.props.namespaceLabels?.['pod-security.kubernetes.io/enforce'];
    if (enforce === 'restricted' && (v.singleuser.cloudMetadata?.blockWithIptables ?? true)) {
      const w = 'the JupyterHub namespace enforces Pod Security "restricted" but the values keep z2jh\'s privileged block-cloud-metadata init container (singleuser.cloudMetadata.blockWithIptables, default true), so singleuser pods will be rejected: set it to false and block the metadata address with singleuser.networkPolicy instead';
      this.warnings.push(w);
      process.stderr.write(`[cdk8s-org-ca] warning: ${w}\n`);
    }
    return v;
  }
}

/** Adds items to a z2jh list-or-map field, identical duplicates allowed, conflicts refused. */
function addNamed(current: any, items: any[], where: string, key: string): any {
  if (current === undefined || current === null) current = [];
  if (Array.isArray(current)) {
    for (const it of items) {
      const same = current.find((x: any) => x[key] === it[key]);
      if (!same) current.push(it);
      else if (!sameJson(same, it)) throw new Error(`${where} already has an entry with ${key} "${it[key]}" that is not the org CA one; rename it`);
    }
    return current;
  }
  for (const it of items) {
    const name = it.name;
    const same = current[name];
    if (!same) current[name] = it;
    else if (!sameJson(same, it)) throw new Error(`${where} already has "${name}" and it is not the org CA one; rename it`);
  }
  return current;
}
