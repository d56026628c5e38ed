import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { KEYTOOL_SCRIPT, scriptCommand } from './init-scripts';
import { CaConfigMapRef } from '../bundle/org-ca-bundle';

/**
 * Options of `JavaTrust.keytoolImport`.
 */
export interface KeytoolImportOptions {
  /**
   * Password of the image's JVM `cacerts` (which the new store keeps). It is not a secret (it
   * protects integrity only, and JVMs print JAVA_TOOL_OPTIONS on start), but it is passed to the
   * JVM as an option, so it may not contain whitespace, quotes, backslashes or control characters.
   *
   * @default "changeit" (the JDK's default)
   */
  readonly storePassword?: string;
}

/**
 * Options of `JavaTrust.trustManagerPkcs12`.
 */
export interface TrustManagerPkcs12Options {
  /**
   * Password of trust-manager's PKCS#12 store; same character rules as `storePassword`.
   *
   * @default - the password set on the bundle's `trustManager.pkcs12`, else none
   */
  readonly password?: string;
}

/** @internal */
export enum JavaTrustKind {
  NONE = 'NONE',
  KEYTOOL_IMPORT = 'KEYTOOL_IMPORT',
  TRUST_MANAGER_PKCS12 = 'TRUST_MANAGER_PKCS12',
}

/** What the Java trust adds to a pod, resolved against the wiring's paths and ConfigMap. @internal */
export interface JavaTrustParts {
  readonly trustStorePath?: string;
  /** Extra init containers (name suffix, command), run after the merge with its mounts. */
  readonly initContainers: Array<{ nameSuffix: string; command: string[] }>;
  readonly volumes: any[];
  readonly mounts: any[];
  readonly options: string[];
}

const JAVA_SOURCE_MOUNT = '/var/run/org-ca/java';
const UNSAFE_PASSWORD_RE = /[\s"'\\`$\u0000-\u001f\u007f]/;

/**
 * How JVM workloads trust the org CA: set as the `java` option of the pod wiring.
 *
 * JVMs read no CA variable; `JAVA_TOOL_OPTIONS` gets `-Djavax.net.ssl.trustStore=…` appended to
 * whatever the container already sets there.
 */
export class JavaTrust {
  /** No JVM trust store (the `java` option unset). @internal */
  public static readonly _NONE = new JavaTrust(JavaTrustKind.NONE, undefined);

  /**
   * A second init container, on the same image as the merge, copies the image's own JVM `cacerts`
   * into the merged volume and imports every org CA certificate with `keytool`. The image must
   * contain keytool (any JDK/JRE image). Public roots stay trusted.
   */
  public static keytoolImport(options: KeytoolImportOptions = {}): JavaTrust {
    const pw = options.storePassword ?? 'changeit';
    checkPassword('JavaTrust.keytoolImport storePassword', pw);
    return new JavaTrust(JavaTrustKind.KEYTOOL_IMPORT, pw);
  }

  /**
   * Mount the PKCS#12 trust store trust-manager writes next to the PEM bundle
   * (`trustManager.pkcs12` on the `OrgCaBundle`). It holds only the bundle's sources: set
   * `useDefaultCAs` on the Bundle to keep public roots trusted.
   */
  public static trustManagerPkcs12(options: TrustManagerPkcs12Options = {}): JavaTrust {
    if (options.password !== undefined) checkPassword('JavaTrust.trustManagerPkcs12 password', options.password);
    return new JavaTrust(JavaTrustKind.TRUST_MANAGER_PKCS12, options.password);
  }

  /** @internal */
  public readonly _kind: JavaTrustKind;
  private readonly password?: string;

  private constructor(kind: JavaTrustKind, password: string | undefined) {
    this._kind = kind;
    this.password = password;
  }

  /**
   * A digest of the settings (the password included, never shown), to tell two trusts apart.
   * @internal
   */
  public _fingerprint(): string {
    return createHash('sha256').update(`${this._kind}\u0000${this.password ?? ''}`).digest('hex').slice(0, 16);
  }

  /**
   * Resolves the parts this trust adds to a pod whose merged directory is `mergedDir`, whose
   * ConfigMap is `ref` and whose source volume is named `sourceVolumeName`.
   * @internal
   */
  public _parts(
    mergedDir: string, orgFile: string, ref: CaConfigMapRef, sourceVolumeName: string, optional: boolean,
  ): JavaTrustParts {
    switch (this._kind) {
      case JavaTrustKind.NONE:
        return { initContainers: [], volumes: [], mounts: [], options: [] };
      case JavaTrustKind.KEYTOOL_IMPORT: {
        const store = path.posix.join(mergedDir, 'java-cacerts');
        // a JKS of the org certificates next to the PEM (the ConfigMap is mounted whole): one
        // keytool run (one JVM) per pod
        const jks = ref.jksKey ? path.posix.join(path.posix.dirname(orgFile), ref.jksKey) : '';
        return {
          trustStorePath: store,
          initContainers: [{
            nameSuffix: '-java',
            command: scriptCommand(KEYTOOL_SCRIPT, 'merge-ca-truststore', [orgFile, store, this.password!, jks, ref.jksPassword ?? '']),
          }],
          volumes: [],
          mounts: [],
          options: [`-Djavax.net.ssl.trustStore=${store}`, `-Djavax.net.ssl.trustStorePassword=${this.password}`],
        };
      }
      case JavaTrustKind.TRUST_MANAGER_PKCS12: {
        if (!ref.pkcs12Key) {
          throw new Error(`java: JavaTrust.trustManagerPkcs12() needs a PKCS#12 trust store in ConfigMap "${ref.name}": set trustManager.pkcs12 (e.g. { key: "truststore.p12" }) on the OrgCaBundle, or use JavaTrust.keytoolImport()`);
        }
        const store = path.posix.join(JAVA_SOURCE_MOUNT, ref.pkcs12Key);
        const pw = this.password ?? ref.pkcs12Password;
        if (pw !== undefined) checkPassword('trustManager.pkcs12.password', pw);
        const volumeName = `${sourceVolumeName}-java`;
        return {
          trustStorePath: store,
          initContainers: [],
          volumes: [{ name: volumeName, configMap: { name: ref.name, items: [{ key: ref.pkcs12Key, path: ref.pkcs12Key }], optional } }],
          mounts: [{ mountPath: JAVA_SOURCE_MOUNT, name: volumeName, readOnly: true }],
          options: [
            `-Djavax.net.ssl.trustStore=${store}`,
            '-Djavax.net.ssl.trustStoreType=PKCS12',
            ...(pw !== undefined ? [`-Djavax.net.ssl.trustStorePassword=${pw}`] : []),
          ],
        };
      }
    }
  }
}

function checkPassword(what: string, pw: unknown): void {
  if (typeof pw !== 'string' || pw === '' || UNSAFE_PASSWORD_RE.test(pw)) {
    throw new Error(`${what} must be a non-empty string without whitespace, quotes, "\\", "$", "\`" or control characters: the JVM splits JAVA_TOOL_OPTIONS on whitespace, so such a password would inject options; choose another store password`);
  }
}
