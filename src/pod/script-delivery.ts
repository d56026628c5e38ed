import { createHash } from 'node:crypto';
import { KEYTOOL_SCRIPT, MERGE_DEFAULTS, MERGE_SCRIPT } from './init-scripts';
import { managedConfigMap, METADATA } from '../util/metadata';
import { checkDnsSubdomain } from '../util/validate';

/** Keys of the scripts ConfigMap. @internal */
export const SCRIPT_KEYS = {
  MERGE: 'merge-ca-bundle.sh',
  TRUSTSTORE: 'merge-ca-truststore.sh',
} as const;

/** The scripts' sha256, over both, in key order. @internal */
export const SCRIPTS_SHA256 = createHash('sha256').update(`${MERGE_SCRIPT}\u0000${KEYTOOL_SCRIPT}`).digest('hex');

/** The default name: versioned by content, so a change of the scripts is a new object. @internal */
export const DEFAULT_SCRIPTS_CONFIG_MAP = `org-ca-scripts-${SCRIPTS_SHA256.slice(0, 10)}`;

/**
 * Where the init containers get their shell scripts (the merge, and the keytool import of
 * `JavaTrust.keytoolImport()`).
 */
export class MergeScripts {
  /**
   * From a ConfigMap in the pod's namespace, mounted with the org CA: the pod spec carries one
   * path instead of the scripts (about 2.4 KB less per wired pod). The library adds the ConfigMap
   * next to what it wires, once per namespace per App (`cdk8s-org-ca wire` appends it to its
   * output); a pod starts only once it exists, and says which ConfigMap it waits for.
   *
   * @param name name of the ConfigMap. Default: `org-ca-scripts-` and the first 10 hex digits of the
   * scripts' sha256, immutable, so a library upgrade that changes the scripts rolls the pods and
   * pods still running keep the scripts they started with. A name you choose is a mutable
   * ConfigMap that upgrades overwrite (e.g. one per Helm release, so two releases in one namespace
   * do not both own it).
   */
  public static fromConfigMap(name?: string): MergeScripts {
    return new MergeScripts(name === undefined ? DEFAULT_SCRIPTS_CONFIG_MAP : checkDnsSubdomain('MergeScripts.fromConfigMap name', name), name === undefined);
  }

  /**
   * In every init container's command (`sh -c SCRIPT`): each pod spec is self-contained, at about
   * 2.4 KB more per wired pod. For pod specs shipped without the library's objects (Helm values
   * such as z2jh's singleuser pods).
   */
  public static inline(): MergeScripts {
    return new MergeScripts(undefined, false);
  }

  /** Name of the scripts ConfigMap; undefined when the scripts are inline. */
  public readonly configMapName?: string;

  /** @internal */
  public readonly _immutable: boolean;

  private constructor(configMapName: string | undefined, immutable: boolean) {
    this.configMapName = configMapName;
    this._immutable = immutable;
  }

  /**
   * The scripts ConfigMap as a manifest for `namespace` (none: the namespace the objects are applied
   * to), or undefined when the scripts are inline.
   */
  public manifest(namespace?: string): any {
    if (this.configMapName === undefined) return undefined;
    return managedConfigMap(this.configMapName, namespace, this._immutable,
      { [SCRIPT_KEYS.MERGE]: MERGE_SCRIPT, [SCRIPT_KEYS.TRUSTSTORE]: KEYTOOL_SCRIPT },
      { [METADATA.SCRIPTS_ANNOTATION]: SCRIPTS_SHA256 });
  }
}

/**
 * The command running script `key` with `args`: `sh DIR/KEY ARGS…` from the ConfigMap mounted at
 * `dir`, or `sh -c SCRIPT NAME ARGS…` inline.
 * @internal
 */
export function scriptCommand(scripts: MergeScripts, dir: string, key: string, args: string[]): string[] {
  if (scripts.configMapName !== undefined) {
    const out = [...args];
    if (key === SCRIPT_KEYS.MERGE) {
      // trailing arguments equal to the script's defaults are left out
      const defaults = [`${dir}/${MERGE_DEFAULTS.orgFileName}`, MERGE_DEFAULTS.mergedFile];
      while (out.length > 0 && out.length <= defaults.length && out[out.length - 1] === defaults[out.length - 1]) out.pop();
    }
    return ['/bin/sh', `${dir}/${key}`, ...out];
  }
  const inline = key === SCRIPT_KEYS.MERGE ? MERGE_SCRIPT : KEYTOOL_SCRIPT;
  return ['/bin/sh', '-c', inline, key.replace(/\.sh$/, ''), ...args];
}
