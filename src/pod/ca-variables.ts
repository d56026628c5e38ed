import { checkEnvName } from '../util/validate';

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
  JULIA_SSL_CA_ROOTS_PATH: CaVariableEffect.REPLACES_DEFAULT_POOL, // Julia NetworkOptions (before SSL_CERT_DIR and SSL_CERT_FILE)
  NODE_EXTRA_CA_CERTS: CaVariableEffect.ADDS_TO_DEFAULT_POOL, // Node.js
  DENO_CERT: CaVariableEffect.ADDS_TO_DEFAULT_POOL, // Deno (added to its Mozilla roots)
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
   * and pip, curl, base R `url()` and `download.file()` (CURL_CA_BUNDLE, which Debian's R sets to
   * the system bundle when it is unset), git, Node and npm, Go, Ruby, Julia (which reads
   * SSL_CERT_FILE), openssl and the AWS CLI (which reads REQUESTS_CA_BUNDLE). SSL_CERT_FILE,
   * REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE, GIT_SSL_CAINFO, NODE_EXTRA_CA_CERTS, NPM_CONFIG_CAFILE.
   * Clients that read no variable need `systemBundleOverlay`.
   */
  public static readonly DEFAULTS: string[] = ['SSL_CERT_FILE', 'REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE', 'GIT_SSL_CAINFO', 'NODE_EXTRA_CA_CERTS', 'NPM_CONFIG_CAFILE'];

  /** Python: ssl/urllib, httpx and uv (SSL_CERT_FILE), requests and pip (REQUESTS_CA_BUNDLE, PIP_CERT), conda (CONDA_SSL_VERIFY). */
  public static readonly PYTHON: string[] = ['SSL_CERT_FILE', 'REQUESTS_CA_BUNDLE', 'PIP_CERT', 'CONDA_SSL_VERIFY'];

  /** Node.js and npm: NODE_EXTRA_CA_CERTS (adds), NPM_CONFIG_CAFILE (wins over a global npmrc cafile). */
  public static readonly NODE: string[] = ['NODE_EXTRA_CA_CERTS', 'NPM_CONFIG_CAFILE'];

  /** Cloud CLIs and SDKs, gRPC: AWS_CA_BUNDLE (every AWS SDK), REQUESTS_CA_BUNDLE (AWS CLI), GRPC_DEFAULT_SSL_ROOTS_FILE_PATH, CLOUDSDK_CORE_CUSTOM_CA_CERTS_FILE (gcloud). */
  public static readonly CLOUD: string[] = ['AWS_CA_BUNDLE', 'REQUESTS_CA_BUNDLE', 'GRPC_DEFAULT_SSL_ROOTS_FILE_PATH', 'CLOUDSDK_CORE_CUSTOM_CA_CERTS_FILE'];

  /** Command-line tools: openssl, Go, Ruby (SSL_CERT_FILE), curl (CURL_CA_BUNDLE, else SSL_CERT_FILE), git (GIT_SSL_CAINFO), cargo (CARGO_HTTP_CAINFO). */
  public static readonly TOOLS: string[] = ['SSL_CERT_FILE', 'CURL_CA_BUNDLE', 'GIT_SSL_CAINFO', 'CARGO_HTTP_CAINFO'];

  /**
   * Julia: JULIA_SSL_CA_ROOTS_PATH, which NetworkOptions reads before SSL_CERT_DIR and
   * SSL_CERT_FILE (Julia already trusts the org CA through SSL_CERT_FILE; add this set for images
   * that set JULIA_SSL_CA_ROOTS_PATH themselves).
   */
  public static readonly JULIA: string[] = ['JULIA_SSL_CA_ROOTS_PATH'];

  /** gRPC C-core (C++, Python, Ruby, PHP gRPC): GRPC_DEFAULT_SSL_ROOTS_FILE_PATH replaces its bundled roots. */
  public static readonly GRPC: string[] = ['GRPC_DEFAULT_SSL_ROOTS_FILE_PATH'];

  /** Deno: DENO_CERT, added to its Mozilla roots (it reads neither SSL_CERT_FILE nor NODE_EXTRA_CA_CERTS before 2.8). */
  public static readonly DENO: string[] = ['DENO_CERT'];

  /** Other variables the library knows, to add with `extraVariables`: PIP_CERT, AWS_CA_BUNDLE, CARGO_HTTP_CAINFO, CONDA_SSL_VERIFY, GRPC_DEFAULT_SSL_ROOTS_FILE_PATH, CLOUDSDK_CORE_CUSTOM_CA_CERTS_FILE, JULIA_SSL_CA_ROOTS_PATH, DENO_CERT. */
  public static readonly KNOWN_EXTRAS: string[] = ['PIP_CERT', 'AWS_CA_BUNDLE', 'CARGO_HTTP_CAINFO', 'CONDA_SSL_VERIFY', 'GRPC_DEFAULT_SSL_ROOTS_FILE_PATH', 'CLOUDSDK_CORE_CUSTOM_CA_CERTS_FILE', 'JULIA_SSL_CA_ROOTS_PATH', 'DENO_CERT'];

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
