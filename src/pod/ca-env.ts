import { createHash } from 'node:crypto';
import { managedConfigMap } from '../util/metadata';
import { checkDnsSubdomain, checkEnvName } from '../util/validate';

/**
 * What a CA variable does to its runtime's trust pool.
 */
export enum CaVariableEffect {
  /** The file named replaces the runtime's default pool: it must hold the public roots too. */
  REPLACES_DEFAULT_POOL = 'REPLACES_DEFAULT_POOL',
  /** The file named is added to the runtime's default pool. */
  ADDS_TO_DEFAULT_POOL = 'ADDS_TO_DEFAULT_POOL',
}

const EFFECTS: Record<string, CaVariableEffect> = {
  SSL_CERT_FILE: CaVariableEffect.REPLACES_DEFAULT_POOL, // OpenSSL, Go, Python ssl, Rust rustls-native-certs
  REQUESTS_CA_BUNDLE: CaVariableEffect.REPLACES_DEFAULT_POOL, // Python requests
  CURL_CA_BUNDLE: CaVariableEffect.REPLACES_DEFAULT_POOL, // curl
  GIT_SSL_CAINFO: CaVariableEffect.REPLACES_DEFAULT_POOL, // git
  PIP_CERT: CaVariableEffect.REPLACES_DEFAULT_POOL, // pip
  NPM_CONFIG_CAFILE: CaVariableEffect.REPLACES_DEFAULT_POOL, // npm (wins over a global npmrc cafile)
  CONDA_SSL_VERIFY: CaVariableEffect.REPLACES_DEFAULT_POOL, // conda (a path: the CA bundle)
  GRPC_DEFAULT_SSL_ROOTS_FILE_PATH: CaVariableEffect.REPLACES_DEFAULT_POOL, // gRPC core (C++, Python, Ruby)
  CLOUDSDK_CORE_CUSTOM_CA_CERTS_FILE: CaVariableEffect.REPLACES_DEFAULT_POOL, // gcloud
  AWS_CA_BUNDLE: CaVariableEffect.REPLACES_DEFAULT_POOL, // AWS SDKs and CLI
  CARGO_HTTP_CAINFO: CaVariableEffect.REPLACES_DEFAULT_POOL, // cargo
  NODE_EXTRA_CA_CERTS: CaVariableEffect.ADDS_TO_DEFAULT_POOL, // Node.js
  KC_TRUSTSTORE_PATHS: CaVariableEffect.ADDS_TO_DEFAULT_POOL, // Keycloak 26 (Quarkus)
};


/**
 * The catalogue of CA environment variables the library knows.
 *
 * Variables that replace a runtime's default pool must point at the merged file (system bundle +
 * org CA); variables that add may point at the org CA alone or at the merged file.
 */
export class CaVariables {
  /**
   * Variables set by default on every wired container, all pointing at the merged file. With
   * them, every client the end-to-end suite runs trusts the org CA: Python urllib, requests, httpx
   * and pip, curl (which reads SSL_CERT_FILE when CURL_CA_BUNDLE is unset), git, Node and npm, Go,
   * Ruby, openssl and the AWS CLI (which reads REQUESTS_CA_BUNDLE). SSL_CERT_FILE,
   * REQUESTS_CA_BUNDLE, GIT_SSL_CAINFO, NODE_EXTRA_CA_CERTS, NPM_CONFIG_CAFILE. Add
   * CURL_CA_BUNDLE (`CaVariables.TOOLS`) for images whose own environment sets it.
   */
  public static readonly DEFAULTS: string[] = ['SSL_CERT_FILE', 'REQUESTS_CA_BUNDLE', 'GIT_SSL_CAINFO', 'NODE_EXTRA_CA_CERTS', 'NPM_CONFIG_CAFILE'];

  /** Python: ssl/urllib, httpx and uv (SSL_CERT_FILE), requests and pip (REQUESTS_CA_BUNDLE, PIP_CERT), conda (CONDA_SSL_VERIFY). */
  public static readonly PYTHON: string[] = ['SSL_CERT_FILE', 'REQUESTS_CA_BUNDLE', 'PIP_CERT', 'CONDA_SSL_VERIFY'];

  /** Node.js and npm: NODE_EXTRA_CA_CERTS (adds), NPM_CONFIG_CAFILE (wins over a global npmrc cafile). */
  public static readonly NODE: string[] = ['NODE_EXTRA_CA_CERTS', 'NPM_CONFIG_CAFILE'];

  /** Cloud CLIs and SDKs, gRPC: AWS_CA_BUNDLE (every AWS SDK), REQUESTS_CA_BUNDLE (AWS CLI), GRPC_DEFAULT_SSL_ROOTS_FILE_PATH, CLOUDSDK_CORE_CUSTOM_CA_CERTS_FILE (gcloud). */
  public static readonly CLOUD: string[] = ['AWS_CA_BUNDLE', 'REQUESTS_CA_BUNDLE', 'GRPC_DEFAULT_SSL_ROOTS_FILE_PATH', 'CLOUDSDK_CORE_CUSTOM_CA_CERTS_FILE'];

  /** Command-line tools: openssl, Go, Ruby (SSL_CERT_FILE), curl (CURL_CA_BUNDLE, else SSL_CERT_FILE), git (GIT_SSL_CAINFO), cargo (CARGO_HTTP_CAINFO). */
  public static readonly TOOLS: string[] = ['SSL_CERT_FILE', 'CURL_CA_BUNDLE', 'GIT_SSL_CAINFO', 'CARGO_HTTP_CAINFO'];

  /** Other variables the library knows, to add with `extraVariables`: PIP_CERT, AWS_CA_BUNDLE, CARGO_HTTP_CAINFO, CONDA_SSL_VERIFY, GRPC_DEFAULT_SSL_ROOTS_FILE_PATH, CLOUDSDK_CORE_CUSTOM_CA_CERTS_FILE. */
  public static readonly KNOWN_EXTRAS: string[] = ['PIP_CERT', 'AWS_CA_BUNDLE', 'CARGO_HTTP_CAINFO', 'CONDA_SSL_VERIFY', 'GRPC_DEFAULT_SSL_ROOTS_FILE_PATH', 'CLOUDSDK_CORE_CUSTOM_CA_CERTS_FILE'];

  /**
   * The union of variable sets, in order, each once (e.g. `CaVariables.union(CaVariables.DEFAULTS, CaVariables.CLOUD)`).
   */
  public static union(...sets: string[][]): string[] {
    return Array.from(new Set(sets.flat()));
  }

  /**
   * What setting `name` does. Unknown variables are treated as replacing the default pool, the
   * safe assumption (the merged file holds both).
   */
  public static effectOf(name: string): CaVariableEffect {
    return EFFECTS[name] ?? CaVariableEffect.REPLACES_DEFAULT_POOL;
  }

  /**
   * Checks a list of variable names: valid environment variable names, no duplicates.
   * @internal
   */
  public static _check(names: string[], what: string): void {
    const seen = new Set<string>();
    for (const n of names) {
      checkEnvName(what, n);
      if (n === 'JAVA_TOOL_OPTIONS') {
        throw new Error(`${what}: JAVA_TOOL_OPTIONS is managed by the java option (JavaTrust); do not list it`);
      }
      if (seen.has(n)) {
        throw new Error(`${what}: "${n}" is listed twice`);
      }
      seen.add(n);
    }
  }

  private constructor() {
  }
}

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
