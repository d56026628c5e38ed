import * as path from 'node:path';
import { IConstruct } from 'constructs';
import { CaPodWiring, WiringIdentity } from './ca-pod-wiring';
import { CaVariableEffect, CaVariables } from './ca-variables';
import { WiringDescription } from './pod-wiring';
import { optionsSignature } from './synth-hook';
import { CaConfigMapRef, OrgCaBundle } from '../bundle/org-ca-bundle';
import * as k8s from '../imports/k8s';
import { METADATA, rotationValue } from '../util/metadata';
import { checkConfigMapRef, checkDnsLabel, checkFileName, checkMountDir } from '../util/validate';

/**
 * Options for mounting the bundle ConfigMap as it is (no merge).
 */
export interface CaConfigMapMountOptions {
  /** Directory the ConfigMap is mounted at, read-only. */
  readonly mountPath: string;

  /**
   * File name of the PEM bundle in `mountPath`.
   *
   * @default "org-ca.pem"
   */
  readonly fileName?: string;

  /**
   * Variables set to `mountPath` (a directory). Only variables that ADD to a runtime's default
   * pool are allowed here (e.g. KC_TRUSTSTORE_PATHS): a replacing variable pointed at the org CA
   * alone would drop the public roots; use MergedCaInitContainer for those.
   *
   * @default - none
   */
  readonly directoryVariables?: string[];

  /**
   * Variables set to the PEM file itself (`mountPath/fileName`); ADD-type only (e.g. NODE_EXTRA_CA_CERTS).
   *
   * @default - none
   */
  readonly fileVariables?: string[];

  /**
   * ConfigMap to mount.
   *
   * @default - asked from the bundle for the pod's namespace
   */
  readonly configMap?: CaConfigMapRef;

  /**
   * Name of the volume.
   *
   * @default "org-ca-truststore"
   */
  readonly volumeName?: string;

  /**
   * Mount the ConfigMap with `optional: true`.
   *
   * @default true
   */
  readonly optional?: boolean;

  /**
   * Only these app containers get the mount and variables.
   *
   * @default - every app container
   */
  readonly containers?: string[];

  /**
   * Annotate the pod template with the bundle's sha256 (its first 16 hex digits) so a CA change
   * rolls the workload.
   *
   * @default true
   */
  readonly rotationAnnotation?: boolean;

  /**
   * Wire at all. Disabled leaves the output byte-for-byte unchanged.
   *
   * @default true
   */
  readonly enabled?: boolean;

  /**
   * JSON pointers to the pod templates of a kind the library does not know.
   *
   * @default - the built-in paths of the object's kind
   */
  readonly podTemplatePaths?: string[];
}

/**
 * Mounts the bundle ConfigMap read-only into pods as it is, and points variables that add to a
 * runtime's default trust pool at it. For runtimes with their own additive trust configuration
 * (Keycloak's KC_TRUSTSTORE_PATHS, Node's NODE_EXTRA_CA_CERTS); everything that replaces a pool
 * needs `MergedCaInitContainer`.
 */
export class CaConfigMapMount extends CaPodWiring {
  /** Wire `target` (a workload construct or an ApiObject). */
  public static addTo(target: IConstruct, bundle: OrgCaBundle, options: CaConfigMapMountOptions): CaConfigMapMount {
    const m = new CaConfigMapMount(bundle, options);
    m.applyTo(target);
    return m;
  }

  /** Path of the PEM file inside the containers. */
  public readonly filePath: string;
  /** Name of the volume. */
  public readonly volumeName: string;

  private readonly bundle: OrgCaBundle;
  private readonly opts: CaConfigMapMountOptions;

  constructor(bundle: OrgCaBundle, options: CaConfigMapMountOptions) {
    super('CaConfigMapMount', options.enabled ?? true, options.podTemplatePaths);
    this.bundle = bundle;
    this.opts = options;
    this.volumeName = checkDnsLabel('volumeName', options.volumeName ?? 'org-ca-truststore');
    checkMountDir('mountPath', options.mountPath, '/etc/org-ca');
    if (options.configMap) checkConfigMapRef('configMap', options.configMap);
    const file = checkFileName('fileName', options.fileName ?? 'org-ca.pem', 'org-ca.pem');
    const vars = [...(options.directoryVariables ?? []), ...(options.fileVariables ?? [])];
    CaVariables._check(vars, 'variables');
    for (const v of vars) {
      if (CaVariables.effectOf(v) !== CaVariableEffect.ADDS_TO_DEFAULT_POOL) {
        throw new Error(`${v} replaces its runtime's default trust pool; pointed at the org CA alone it would drop the public roots: wire it with MergedCaInitContainer instead`);
      }
    }
    this.filePath = path.posix.join(options.mountPath, file);
  }

  /** @internal */
  public _identity(): WiringIdentity {
    const { enabled: _e, ...options } = this.opts as CaConfigMapMountOptions & Record<string, unknown>;
    const reg = { ...options, bundle: this.bundle.node.path };
    return { slot: `configmap-mount:${this.volumeName}`, options: reg, signature: optionsSignature(reg) };
  }

  /**
   * The wiring description (data) for a pod in `namespace`.
   * @internal
   */
  public _describe(namespace: string | undefined): WiringDescription {
    return {
      volumes: [k8s.toJson_Volume(this.volume(namespace))],
      initContainers: [],
      mounts: [k8s.toJson_VolumeMount(this.volumeMount())],
      env: this.env().map(e => ({ name: e.name, value: e.value! })),
      annotations: (this.opts.rotationAnnotation ?? true) ? { [METADATA.ROTATION_ANNOTATION]: rotationValue(this.bundle.sha256) } : undefined,
      containers: this.opts.containers,
      hints: { volume: () => 'volumeName', mount: 'mountPath', initContainer: 'volumeName' },
    };
  }

  /**
   * The volume.
   * @param namespace the pod's namespace
   * @default - the bundle's namespace-independent ConfigMap
   */
  public volume(namespace?: string): k8s.Volume {
    const ref = this.opts.configMap ?? this.bundle.configMapFor(namespace);
    const items = [{ key: ref.key, path: path.posix.basename(this.filePath) }];
    return { name: this.volumeName, configMap: { name: ref.name, items, optional: this.opts.optional ?? true } };
  }

  /** The volume mount. */
  public volumeMount(): k8s.VolumeMount {
    return { mountPath: this.opts.mountPath, name: this.volumeName, readOnly: true };
  }

  /** The variables. */
  public env(): k8s.EnvVar[] {
    return [
      ...(this.opts.directoryVariables ?? []).map(name => ({ name, value: this.opts.mountPath })),
      ...(this.opts.fileVariables ?? []).map(name => ({ name, value: this.filePath })),
    ];
  }
}
