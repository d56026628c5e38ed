import { createHash } from 'node:crypto';
import { managedConfigMap } from '../util/metadata';
import { checkDnsSubdomain } from '../util/validate';

/**
 * How wired containers get the CA variables.
 */
export class VariableDelivery {
  /**
   * Through `envFrom` of a ConfigMap in the pod's namespace holding the variables (one reference
   * per container instead of one `env` entry per variable: about 250 B and 25 YAML nodes less per
   * wired container, which is most of what the wiring costs `cdk8s synth`). The library adds the
   * ConfigMap next to what it wires, once per namespace per App (`cdk8s-org-ca wire` appends it);
   * a container starts only once it exists (CreateContainerConfigError names it until then). The
   * reference comes after the container's own `envFrom` sources, so it wins over them, and an
   * explicit `env` entry wins over it, as Kubernetes orders them; a conflict is a synth-time error
   * either way. `kubectl describe pod` lists the ConfigMap, not the values.
   *
   * @param name name of the ConfigMap. Default: `org-ca-env-` and the first 10 hex digits of the
   * sha256 of its content, immutable (other variables or another path are another ConfigMap). A
   * name you choose is a mutable ConfigMap, for one per Helm release.
   */
  public static fromConfigMap(name?: string): VariableDelivery {
    return new VariableDelivery(false, name === undefined ? undefined : checkDnsSubdomain('VariableDelivery.fromConfigMap name', name));
  }

  /**
   * As `env` entries in every wired container: each pod spec shows and carries its variables, at
   * about 250 B more per container. For pod specs shipped without the library's objects (Helm
   * values such as z2jh's singleuser pods).
   */
  public static inline(): VariableDelivery {
    return new VariableDelivery(true, undefined);
  }

  /** The ConfigMap name chosen with `fromConfigMap(name)`; undefined for the default name or inline. */
  public readonly configMapName?: string;

  /** @internal */
  public readonly _inline: boolean;

  private constructor(inline: boolean, name: string | undefined) {
    this._inline = inline;
    this.configMapName = name;
  }

  /**
   * The ConfigMap name for `variables` (name → value), or undefined when the variables are inline.
   * @internal
   */
  public _nameFor(variables: Record<string, string>): string | undefined {
    if (this._inline) return undefined;
    return this.configMapName ?? `org-ca-env-${createHash('sha256').update(JSON.stringify(Object.entries(variables))).digest('hex').slice(0, 10)}`;
  }

  /**
   * The ConfigMap holding `variables` for `namespace`, or undefined when the variables are inline;
   * immutable under its content-versioned default name.
   * @internal
   */
  public _manifest(variables: Record<string, string>, namespace: string | undefined): any {
    const name = this._nameFor(variables);
    return name === undefined ? undefined : managedConfigMap(name, namespace, this.configMapName === undefined, variables);
  }
}
