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
   * Variables set by default on every wired container, all pointing at the merged file:
   * REQUESTS_CA_BUNDLE, SSL_CERT_FILE, NODE_EXTRA_CA_CERTS, CURL_CA_BUNDLE, GIT_SSL_CAINFO.
   */
  public static readonly DEFAULTS: string[] = ['REQUESTS_CA_BUNDLE', 'SSL_CERT_FILE', 'NODE_EXTRA_CA_CERTS', 'CURL_CA_BUNDLE', 'GIT_SSL_CAINFO'];

  /** Other variables the library knows: PIP_CERT, AWS_CA_BUNDLE, CARGO_HTTP_CAINFO. */
  public static readonly KNOWN_EXTRAS: string[] = ['PIP_CERT', 'AWS_CA_BUNDLE', 'CARGO_HTTP_CAINFO'];

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
