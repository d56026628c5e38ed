import * as path from 'node:path';

/**
 * Checks of values that become Kubernetes names, keys and paths, in one place. Each throws an
 * Error naming the option, the value and the rule.
 * @internal
 */

const DNS_LABEL_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const CONFIGMAP_KEY_RE = /^[-._a-zA-Z0-9]+$/;
const ENV_NAME_RE = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** An RFC 1123 label (container, volume, namespace names): at most 63 characters. @internal */
export function checkDnsLabel(what: string, value: unknown): string {
  if (typeof value !== 'string' || !DNS_LABEL_RE.test(value) || value.length > 63) {
    throw new Error(`${what} ${JSON.stringify(value)} is not a valid Kubernetes name: use lower-case letters, digits and "-", starting and ending with a letter or digit, at most 63 characters`);
  }
  return value;
}

/** An RFC 1123 subdomain (ConfigMap, Bundle names): at most 253 characters. @internal */
export function checkDnsSubdomain(what: string, value: unknown): string {
  if (typeof value !== 'string' || !DNS_SUBDOMAIN_RE.test(value) || value.length > 253) {
    throw new Error(`${what} ${JSON.stringify(value)} is not a valid Kubernetes name: use lower-case letters, digits, "-" and ".", at most 253 characters`);
  }
  return value;
}

/** A ConfigMap data key. @internal */
export function checkConfigMapKey(what: string, value: unknown): string {
  if (typeof value !== 'string' || !CONFIGMAP_KEY_RE.test(value) || value.length > 253 || value === '.' || value === '..') {
    throw new Error(`${what} ${JSON.stringify(value)} is not a valid ConfigMap key: use letters, digits, "-", "_" and ".", at most 253 characters`);
  }
  return value;
}

/** An environment variable name. @internal */
export function checkEnvName(what: string, value: unknown): string {
  if (typeof value !== 'string' || !ENV_NAME_RE.test(value)) {
    throw new Error(`${what}: ${JSON.stringify(value)} is not a valid environment variable name`);
  }
  return value;
}

/** A plain file name (no directory part). @internal */
export function checkFileName(what: string, value: unknown, example: string): string {
  if (typeof value !== 'string' || !value || value.includes('/') || value === '.' || value === '..' || value.length > 253) {
    throw new Error(`${what} ${JSON.stringify(value)} must be a plain file name, e.g. "${example}"`);
  }
  return value;
}

/** An image reference: non-empty, no whitespace. @internal */
export function checkImage(what: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '' || /\s/.test(value)) {
    throw new Error(`${what} ${JSON.stringify(value)} is not an image reference, e.g. "registry.example.com/tools/busybox:1.36"`);
  }
  return value;
}

/**
 * Directories a CA mount must never be: the root and system directories, /tmp, /run and its
 * /var/run alias (Kubernetes and the runtime mount there).
 */
const FORBIDDEN_DIRS = [
  '/', '/bin', '/sbin', '/etc', '/var', '/tmp', '/opt', '/home', '/root', '/run', '/var/run', '/var/lib', '/srv', '/mnt', '/media',
];

/**
 * Trees a CA mount must never be in: the service-account token, kernel and device file systems,
 * the image's programs and libraries, and every system and JVM trust store (the merge and the
 * keytool import read them; a mount there would hide the public roots).
 */
const FORBIDDEN_TREES = [
  '/var/run/secrets', '/run/secrets', '/proc', '/sys', '/dev', '/usr', '/boot',
  '/etc/ssl/certs', '/etc/pki/ca-trust', '/etc/pki/tls', '/etc/pki/java', '/etc/pki/ca-trust/extracted/java',
  '/var/lib/ca-certificates', '/etc/ca-certificates', '/usr/local/share/ca-certificates', '/usr/lib/ssl',
];

/** Letters, digits and `.`, `_`, `-` between slashes: nothing a shell, a JVM option line or a list variable would split. */
const MOUNT_DIR_RE = /^(\/[A-Za-z0-9._-]+)+$/;

/**
 * A directory a volume is mounted at: absolute, normalised, of a safe character set (it ends up in
 * JAVA_TOOL_OPTIONS and in list variables such as KC_TRUSTSTORE_PATHS), and not one whose
 * shadowing breaks the pod. @internal
 */
export function checkMountDir(what: string, value: unknown, example: string): string {
  if (typeof value !== 'string' || !path.posix.isAbsolute(value) || value.split('/').includes('..')
    || path.posix.normalize(value) !== value || (value !== '/' && value.endsWith('/'))) {
    throw new Error(`${what} ${JSON.stringify(value)} must be a normalised absolute directory without ".." or a trailing "/", e.g. "${example}"`);
  }
  if (value !== '/' && !MOUNT_DIR_RE.test(value)) {
    throw new Error(`${what} ${JSON.stringify(value)} may hold only letters, digits, ".", "_", "-" and "/" (it is written into JAVA_TOOL_OPTIONS and list variables, where a space or a comma would split it), e.g. "${example}"`);
  }
  const inTree = FORBIDDEN_TREES.find(t => value === t || value.startsWith(`${t}/`));
  const hides = FORBIDDEN_TREES.find(t => t.startsWith(`${value}/`));
  if (FORBIDDEN_DIRS.includes(value) || inTree || hides || /^\/lib[^/]*(\/|$)/.test(value)) {
    throw new Error(`${what} "${value}" would hide what the image or Kubernetes keeps there (system or JVM trust store, binaries, service-account token); use a new directory such as "${example}"`);
  }
  return value;
}

/**
 * A Kubernetes name derived from `base` by adding `suffix`, checked: the result must still be a
 * valid label, so a long base is refused with the fix instead of being cut into a duplicate.
 * @internal
 */
export function derivedName(what: string, base: string, suffix: string): string {
  const name = `${base}${suffix}`;
  if (name.length > 63) {
    throw new Error(`${what} "${base}" is too long: the library also derives "${name}" (${name.length} characters, at most 63); use at most ${63 - suffix.length} characters`);
  }
  return checkDnsLabel(what, name);
}

/** A JSON pointer to a pod template ("" for the object itself, "*" for every array element). @internal */
export function checkPointer(p: unknown, what: string): string {
  if (typeof p !== 'string' || (p !== '' && !/^(\/[^/]+)+$/.test(p))) {
    throw new Error(`${what}: ${JSON.stringify(p)} is not a JSON pointer (e.g. "/spec/template", "" for a Pod, "*" for every array element)`);
  }
  return p;
}

/** A ConfigMap reference given by the user: name, key and the PKCS#12 key are checked. @internal */
export function checkConfigMapRef(what: string, ref: { name: unknown; key: unknown; pkcs12Key?: unknown }): void {
  if (!ref || typeof ref !== 'object') throw new Error(`${what} must be a { name, key } reference, not ${JSON.stringify(ref)}`);
  checkDnsSubdomain(`${what}.name`, ref.name);
  checkConfigMapKey(`${what}.key`, ref.key);
  if (ref.pkcs12Key !== undefined) checkConfigMapKey(`${what}.pkcs12Key`, ref.pkcs12Key);
}
