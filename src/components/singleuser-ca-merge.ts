import { Construct, IConstruct } from 'constructs';
import { CaConfigMapRef, OrgCaBundle } from '../bundle/org-ca-bundle';
import { ICaPodWiring } from '../pod/ca-pod-wiring';
import { MergedCaInitContainer } from '../pod/merged-ca-init-container';
import { OnInvalidBundle } from '../pod/wiring-options';
import { warn } from '../util/warnings';

/**
 * Properties of `SingleuserCaMerge`.
 */
export interface SingleuserCaMergeProps {
  /** The org CA. */
  readonly bundle: OrgCaBundle;

  /**
   * Set no runAsUser/runAsGroup on the merge init container (OpenShift assigns them).
   *
   * @default false
   */
  readonly openShift?: boolean;

  /**
   * What the merge does when the org CA in the pod holds no valid certificate.
   *
   * @default OnInvalidBundle.DEGRADE
   */
  readonly onInvalidBundle?: OnInvalidBundle;

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
   * Image of the hub's merge init container: the hub image (the hub calls the identity provider,
   * e.g. Keycloak, through the proxy, so it must trust the org CA too).
   *
   * @default - `hub.image.name:tag` from the values; when unknown the hub is not wired (a warning says so)
   */
  readonly hubImage?: string;

  /**
   * Variables to leave alone where the values already set them to another value (otherwise that
   * is an error).
   *
   * @default - none: any conflicting value is an error
   */
  readonly skipVariables?: string[];

  /**
   * Mount the merged bundle over the image's system CA bundle files too (see
   * `PodWiringOptions.systemBundleOverlay`): R's curl package and base R, Julia and GNU wget
   * read the system bundle by its path, and data-science users run them as much as Python.
   *
   * @default true
   */
  readonly systemBundleOverlay?: boolean;

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
 * `singleuser.extraEnv` (`CaVariables.DEFAULTS`:
 * → `/etc/ssl/certs-extra/ca-bundle.crt`), `singleuser.storage.extraVolumes` and
 * `extraVolumeMounts`. The ConfigMap mount is optional, so a cluster without the projection
 * degrades to the image's system bundle. The merge script is in the init container's command:
 * the values carry everything the spawned pods need.
 */
export class SingleuserCaMerge extends Construct implements ICaPodWiring {
  /** The merged bundle inside singleuser pods. */
  public static readonly MERGED_FILE = '/etc/ssl/certs-extra/ca-bundle.crt';

  /** The pod wiring. */
  public readonly wiring: MergedCaInitContainer;

  /** Warnings found by the last `values()` call. */
  public readonly warnings: string[] = [];

  private readonly props: SingleuserCaMergeProps;

  constructor(scope: Construct, id: string, props: SingleuserCaMergeProps) {
    super(scope, id);
    this.props = props;
    this.wiring = new MergedCaInitContainer(props.bundle, {
      enabled: props.enabled,
      configMap: props.configMap,
      skipVariables: props.skipVariables,
      openShift: props.openShift,
      onInvalidBundle: props.onInvalidBundle,
      mergedDir: '/etc/ssl/certs-extra',
      mergedFileName: 'ca-bundle.crt',
      systemBundleOverlay: props.systemBundleOverlay ?? true,
    });
  }

  /**
   * Wire a JupyterHub pod that is an object of the app, e.g. the z2jh hub Deployment of a
   * `helm template` render loaded with `Include`. The singleuser pods are created by KubeSpawner,
   * never by the app: wire them with `helmValues`.
   */
  public applyTo(target: IConstruct): void {
    this.wiring._applyTo(target, 'SingleuserCaMerge');
  }

  /**
   * The user's z2jh values with the org CA wired in. Appends to their init containers, env,
   * volumes and mounts; a conflicting variable or name is an error. Disabled: the values come back
   * unchanged.
   *
   * The values are wired by the same pod-wiring core as cdk8s workloads: they are viewed as a pod
   * template (`singleuser.initContainers`, one notebook container with `extraEnv` and
   * `storage.extraVolumeMounts`, volumes `storage.extraVolumes`), wired, and written back in the
   * form the user chose (list or map).
   *
   * @param userValues the z2jh values to extend
   * @default - empty values
   */
  public helmValues(userValues?: any): any {
    this.warnings.length = 0;
    if (!this.wiring.enabled) return userValues;
    const v = JSON.parse(JSON.stringify(userValues ?? {}));
    const su = v.singleuser = v.singleuser ?? {};
    su.storage = su.storage ?? {};

    const image = this.props.image ?? (su.image?.name && su.image?.tag ? `${su.image.name}:${su.image.tag}` : undefined);
    if (!image) {
      throw new Error('SingleuserCaMerge: no image for the merge init container: set image, or singleuser.image.name and singleuser.image.tag in the values');
    }

    const hints = { volume: () => 'another name in the values', mount: 'another mountPath in the values', initContainer: 'another name in the values' };
    wireValuesPod(
      { where: 'z2jh values singleuser', section: su, env: 'extraEnv', inits: 'initContainers', volumesAt: su.storage, volumes: 'extraVolumes', mounts: 'extraVolumeMounts', container: 'notebook' },
      (template, where) => this.wiring._wirePodTemplate(template, where, this.props.namespace,
        { image, annotations: undefined, initContainersToWire: this.props.wireInitContainers, hints }),
    );

    // the hub (it calls the identity provider, e.g. Keycloak, through the proxy): wired when its image is known
    const hub = v.hub ?? {};
    const hubImage = this.props.hubImage ?? (hub.image?.name && hub.image?.tag && hub.image.tag !== 'set-by-chartpress' ? `${hub.image.name}:${hub.image.tag}` : undefined);
    if (hubImage) {
      v.hub = hub;
      wireValuesPod(
        { where: 'z2jh values hub', section: hub, env: 'extraEnv', inits: 'initContainers', volumesAt: hub, volumes: 'extraVolumes', mounts: 'extraVolumeMounts', container: 'hub' },
        (template, where) => this.wiring._wirePodTemplate(template, where, this.props.namespace, { image: hubImage, annotations: undefined, hints }),
      );
    } else {
      const w = 'the JupyterHub hub is not wired (its image is not known: the chart sets it at release): pass hubImage (e.g. "quay.io/jupyterhub/k8s-hub:4.4.0"), or set hub.image.name and hub.image.tag in the values, so the hub trusts the identity provider through the proxy';
      this.warnings.push(w);
      warn(w);
    }

    const enforce = this.props.namespaceLabels?.['pod-security.kubernetes.io/enforce'];
    if (enforce === 'restricted' && (v.singleuser.cloudMetadata?.blockWithIptables ?? true)) {
      const w = 'the JupyterHub namespace enforces Pod Security "restricted" but the values keep z2jh\'s privileged block-cloud-metadata init container (singleuser.cloudMetadata.blockWithIptables, default true), so singleuser pods will be rejected: set it to false and block the metadata address with singleuser.networkPolicy instead';
      this.warnings.push(w);
      warn(w);
    }
    return v;
  }
}

/** Where a z2jh pod's fields live in the values. */
interface ValuesPod {
  /** The pod in messages, e.g. "z2jh values hub". */
  readonly where: string;
  readonly section: any;
  readonly env: string;
  readonly inits: string;
  readonly volumesAt: any;
  readonly volumes: string;
  readonly mounts: string;
  /** Name of the pod's main container in messages. */
  readonly container: string;
}

/**
 * Wires a pod described by z2jh values through the wiring's pod-template seam: the values are viewed as a pod
 * template (init containers, one container with the env and mounts, the volumes), wired, and
 * written back in the form the user chose (list or map).
 */
function wireValuesPod(p: ValuesPod, wire: (template: any, where: string) => void): void {
  const where = p.where;
  const envForm = mapOrList(p.section[p.env] ?? {}, `${where}.${p.env}`);
  const volForm = mapOrList(p.volumesAt[p.volumes], `${where}.${p.volumes}`);
  const mountForm = mapOrList(p.volumesAt[p.mounts], `${where}.${p.mounts}`);
  const main = {
    name: p.container,
    env: envForm.list.map(([name, e]) => (typeof e === 'object' && e !== null ? { name, ...e } : { name, value: e })),
    volumeMounts: mountForm.list.map(([name, m]) => ({ name, ...m })),
  };
  const template = {
    spec: {
      initContainers: Array.isArray(p.section[p.inits]) ? p.section[p.inits] : [],
      containers: [main],
      volumes: volForm.list.map(([name, x]) => ({ name, ...x })),
    },
  };
  wire(template, where);
  p.section[p.inits] = template.spec.initContainers;
  const envEntry = (e: any) => (e.valueFrom === undefined && Object.keys(e).length === 2 ? e.value : stripName(e));
  p.section[p.env] = envForm.write(main.env.map((e: any) => [e.name, e]), envEntry);
  p.volumesAt[p.volumes] = volForm.write(template.spec.volumes.map((x: any) => [x.name, x]), x => stripName(x));
  p.volumesAt[p.mounts] = mountForm.write(main.volumeMounts.map((m: any) => [m.name, m]), m => stripName(m));
}

/**
 * A z2jh field that is a list of `{ name, ... }` or a map from name to entry (z2jh accepts both for
 * extraEnv, extraVolumes and extraVolumeMounts). `list` gives [name, entry] pairs; `write` puts the
 * wired pairs back in the same form (a map when it was a map, else a list).
 */
function mapOrList(current: any, where: string) {
  const isMap = current !== undefined && current !== null && !Array.isArray(current);
  if (isMap && typeof current !== 'object') throw new Error(`z2jh values ${where} must be a list or a map, not ${JSON.stringify(current)}`);
  const list: Array<[string, any]> = current === undefined || current === null ? []
    : isMap ? Object.entries(current).map(([k, x]: [string, any]) => [(x && typeof x === 'object' && x.name) || k, stripName(x)])
      : current.map((x: any) => [x.name, stripName(x)]);
  return {
    list,
    write(wired: Array<[string, any]>, toMapEntry: (x: any) => any): any {
      if (!isMap) return wired.map(([, x]) => x);
      const out: any = { ...current };
      for (const [name, x] of wired.slice(list.length)) {
        // a second entry with the same name (the overlay mounts one volume at several paths) keeps its name under a key of its own
        let key = name;
        for (let i = 2; key in out; i++) key = `${name}-${i}`;
        out[key] = key === name ? toMapEntry(x) : x;
      }
      return out;
    },
  };
}

function stripName(x: any): any {
  if (!x || typeof x !== 'object') return x;
  const { name: _n, ...rest } = x;
  return rest;
}
