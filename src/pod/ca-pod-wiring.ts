import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { envSourcesOf } from './env-sources';
import { findTemplates, knowsPodTemplate, templatePathsFor } from './pod-templates';
import { EnvSources, TemplateOutcome, wireObject, wirePodTemplate, WiringDescription } from './pod-wiring';
import { optionsSignature, registerWiring } from './synth-hook';
import { targetObjects } from '../util/targets';
import { checkPointer } from '../util/validate';

/**
 * Something that wires the org CA into the pods of cdk8s objects: every pod wiring and component
 * has `applyTo`.
 */
export interface ICaPodWiring {
  /**
   * Wire `target`: a cdk8s-plus workload, or any construct whose default child is an ApiObject, or
   * an ApiObject (including ones loaded with `Include`). Applied to the object's final JSON at
   * synth time.
   */
  applyTo(target: IConstruct): void;
}

/** Which slot a wiring registers in and what makes two of them the same. @internal */
export interface WiringIdentity {
  /** One wiring per slot and object: the same options again are idempotent, others an error. */
  readonly slot: string;
  /** The options that make two wirings the same, named in conflict messages. */
  readonly options: Record<string, unknown>;
  /** Their signature (secrets folded in as fingerprints, never shown). */
  readonly signature: string;
}

/**
 * What the two pod wirings share (`MergedCaInitContainer`, `CaConfigMapMount`): `applyTo` on cdk8s
 * objects (at synth time, on the object's final JSON), `wireManifest` on plain JSON. Both build a
 * wiring description per namespace and hand it to the one pod-wiring core.
 */
export abstract class CaPodWiring implements ICaPodWiring {
  /** Whether this wiring does anything. */
  public readonly enabled: boolean;

  private readonly podTemplatePaths?: string[];
  private readonly defaultLabel: string;

  /**
   * @param label how the wiring names itself in conflict messages
   * @param enabled whether it wires at all
   * @param podTemplatePaths pod template pointers of a kind the library does not know
   */
  protected constructor(label: string, enabled: boolean, podTemplatePaths?: string[]) {
    this.defaultLabel = label;
    this.enabled = enabled;
    for (const p of podTemplatePaths ?? []) checkPointer(p, 'podTemplatePaths');
    this.podTemplatePaths = podTemplatePaths;
  }

  /**
   * Wire `target`: a cdk8s-plus workload or any construct whose default child is an ApiObject,
   * an ApiObject, or an `Include` (every object in it with a pod template). Does nothing when disabled. Wiring the same object twice with the same
   * options is the same as once; with other options it is an error naming both.
   */
  public applyTo(target: IConstruct): void {
    this._applyTo(target, this.defaultLabel);
  }

  /**
   * `applyTo`, naming the caller (a component) in conflict messages.
   * @internal
   */
  public _applyTo(target: IConstruct, label: string): void {
    if (!this.enabled) return;
    const override = this.podTemplatePaths;
    const known = (o: ApiObject) =>
      knowsPodTemplate(o.apiVersion, o.kind) || (override !== undefined && findTemplates(o.toJson(), override).length > 0);
    // an Include of a render: every object in it with a pod template
    const id = this._identity();
    for (const obj of targetObjects(target, `${label}.applyTo`, 'an object with a pod template (a Deployment, StatefulSet, Job, Pod, ...)', known)) {
      const paths = templatePathsFor(obj.apiVersion, obj.kind, obj.name, this.podTemplatePaths);
      registerWiring(obj, id.slot, { signature: id.signature, source: label, explicit: true, options: id.options }, json => {
        this._wireAt(json, paths, envSourcesOf(obj));
        return json;
      });
    }
  }

  /**
   * Returns a wired copy of a manifest object (plain JSON, e.g. parsed YAML). Objects whose pod
   * templates have no containers are returned unchanged.
   */
  public wireManifest(manifest: any): any {
    if (!this.enabled) return manifest;
    const paths = templatePathsFor(manifest.apiVersion, manifest.kind, manifest.metadata?.name, this.podTemplatePaths);
    const json = JSON.parse(JSON.stringify(manifest));
    this._wireAt(json, paths);
    return json;
  }

  /**
   * Wires `json` in place (the caller owns it), its pod templates at `paths`; returns the outcome
   * per template.
   * @internal
   */
  public _wireAt(json: any, paths: string[], envSources?: EnvSources): Array<{ pointer: string; outcome: TemplateOutcome }> {
    return wireObject(json, paths, this._describe(json.metadata?.namespace), envSources);
  }

  /**
   * Wires a bare pod template (e.g. assembled from Helm values) in place with this wiring's
   * description for `namespace`, some of its fields replaced: the seam for components whose pods
   * are not objects.
   * @internal
   */
  public _wirePodTemplate(template: any, where: string, namespace: string | undefined, overrides: Partial<WiringDescription>): TemplateOutcome {
    return wirePodTemplate(template, { ...this._describe(namespace, overrides.image), ...overrides }, where);
  }

  /**
   * The wiring description (data) for a pod in `namespace`, for the pod-wiring core; with `image`,
   * for a pod whose init containers run that image.
   * @internal
   */
  public abstract _describe(namespace: string | undefined, image?: string): WiringDescription;

  /** The slot and options of this wiring on an object. @internal */
  public abstract _identity(): WiringIdentity;
}

/**
 * Registers a synth-time edit of a custom resource (not a pod template) on `target`, with the
 * same conflict rules as a pod wiring: the seam for components that wire an operator's resource.
 * @internal
 */
export function editAtSynth(target: ApiObject, slot: string, label: string, options: Record<string, unknown>, edit: (json: any) => void): void {
  registerWiring(target, slot, { signature: optionsSignature(options), source: label, explicit: true, options }, json => {
    edit(json);
    return json;
  });
}
