/**
 * `cdk8s-org-ca audit`: reads what `kubectl get pods -A -o json` (or `-o yaml`, or a List of
 * workloads) prints and reports every container that will not trust the org CA, and why. Offline:
 * it reads the objects given, nothing else.
 * @internal
 */
import { CaVariables } from '../pod/ca-variables';
import { JAVA_CACERTS_CANDIDATES, SYSTEM_BUNDLE_CANDIDATES } from '../pod/init-scripts';
import { BUILTIN_TEMPLATE_PATHS, findTemplates } from '../pod/pod-templates';
import { METADATA, rotationValue } from '../util/metadata';

/** Why a container will not trust the org CA (the `problem` of a finding). */
export type AuditProblem =
  | 'no-ca-variable'
  | 'unmounted-file'
  | 'merged-volume-unwritten'
  | 'bundle-absent'
  | 'java-without-truststore'
  | 'rotation-pending'
  | 'ca-expiry';

export interface AuditFinding {
  readonly namespace: string;
  /** "Pod/name" or "Deployment/name" (a workload's template). */
  readonly object: string;
  /** The container, or "-" for the pod or the CA. */
  readonly container: string;
  readonly problem: AuditProblem;
  readonly detail: string;
}

export interface AuditOptions {
  /** Only these namespaces; empty: all but the control plane's. */
  readonly namespaces: string[];
  /** The current bundle's sha256 (with --ca): pods wired with another are reported. */
  readonly bundleSha256?: string;
  /** Expiry warnings of the current bundle (with --ca). */
  readonly expiryWarnings: string[];
}

export interface AuditResult {
  readonly findings: AuditFinding[];
  readonly checked: { pods: number; containers: number };
  readonly skipped: { finished: number; otherNamespaces: number; optedOut: number };
}

/** Namespaces skipped unless named with --namespace: the control plane's. */
export const CONTROL_PLANE_NAMESPACES = ['kube-system', 'kube-public', 'kube-node-lease'];

const CA_VARIABLES = new Set([...CaVariables.DEFAULTS, ...CaVariables.KNOWN_EXTRAS]);
const LIBRARY_SCRIPTS = new Set(['merge-ca-bundle', 'merge-ca-truststore']);
/** Images and variables that say "a JVM runs here". */
const JVM_IMAGE_RE = /(^|[/:_.-])(openjdk|jdk|jre|java|temurin|corretto|zulu|liberica|semeru|keycloak|tomcat|jetty|wildfly|kafka|elasticsearch|opensearch|spark|flink|jenkins|maven|gradle)([/:_.@-]|$)/i;
const JVM_VARIABLES = ['JAVA_HOME', 'JAVA_OPTS', 'JAVA_TOOL_OPTIONS', 'JDK_JAVA_OPTIONS'];

interface PodLike {
  readonly namespace: string;
  readonly object: string;
  readonly metadata: any;
  readonly spec: any;
}

/** Every object of the input, the items of a `List` (or `PodList`, ...) expanded. */
export function flattenLists(values: any[]): any[] {
  const out: any[] = [];
  for (const v of values) {
    if (!v || typeof v !== 'object') continue;
    if (Array.isArray(v.items) && /List$/.test(String(v.kind))) out.push(...flattenLists(v.items));
    else out.push(v);
  }
  return out;
}

/** Audits the objects (already parsed). */
export function audit(values: any[], o: AuditOptions): AuditResult {
  const objects = flattenLists(values);
  const configMaps = new Map<string, Set<string>>();
  let sawConfigMaps = false;
  for (const obj of objects) {
    if (obj.kind !== 'ConfigMap' || obj.apiVersion !== 'v1') continue;
    sawConfigMaps = true;
    const ns = obj.metadata?.namespace ?? 'default';
    configMaps.set(`${ns}/${obj.metadata?.name}`, new Set([...Object.keys(obj.data ?? {}), ...Object.keys(obj.binaryData ?? {})]));
  }
  const pods: PodLike[] = [];
  const skipped = { finished: 0, otherNamespaces: 0, optedOut: 0 };
  for (const obj of objects) {
    const paths = BUILTIN_TEMPLATE_PATHS[`${obj.apiVersion}/${obj.kind}`];
    if (!paths) continue;
    const namespace = obj.metadata?.namespace ?? 'default';
    const inScope = o.namespaces.length ? o.namespaces.includes(namespace) : !CONTROL_PLANE_NAMESPACES.includes(namespace);
    if (!inScope) {
      skipped.otherNamespaces++;
      continue;
    }
    if (obj.kind === 'Pod' && ['Succeeded', 'Failed'].includes(obj.status?.phase)) {
      skipped.finished++;
      continue;
    }
    for (const t of findTemplates(obj, paths)) {
      if (!t.template?.spec?.containers) continue;
      const notes = { ...(obj.metadata?.annotations ?? {}), ...(t.template.metadata?.annotations ?? {}) };
      if (notes[METADATA.OPT_OUT] === 'true') {
        skipped.optedOut++;
        continue;
      }
      pods.push({ namespace, object: `${obj.kind}/${obj.metadata?.name}${t.pointer && obj.kind !== 'Pod' && paths.length > 1 ? ` at ${t.pointer}` : ''}`, metadata: t.template.metadata ?? {}, spec: t.template.spec });
    }
  }
  const findings: AuditFinding[] = o.expiryWarnings.map(w => ({ namespace: '-', object: 'org CA', container: '-', problem: 'ca-expiry' as const, detail: w }));
  let containers = 0;
  for (const pod of pods) {
    const add = (container: string, problem: AuditProblem, detail: string) => {
      findings.push({ namespace: pod.namespace, object: pod.object, container, problem, detail });
    };
    const wired = pod.metadata.annotations?.[METADATA.ROTATION_ANNOTATION];
    if (o.bundleSha256 !== undefined && wired !== undefined && wired !== rotationValue(o.bundleSha256)) {
      add('-', 'rotation-pending', `wired with bundle ${wired}, the current one is ${rotationValue(o.bundleSha256)}: roll the workload (kubectl rollout restart) so its pods read the new bundle`);
    }
    const volumes = new Map<string, any>((pod.spec.volumes ?? []).map((v: any) => [v.name, v]));
    const merges = (pod.spec.initContainers ?? []).filter(isLibraryInitContainer);
    const absent = (ns: string, cm: any) => sawConfigMaps && cm?.name !== undefined && !configMaps.has(`${ns}/${cm.name}`);
    /** Why the file a volume provides may not hold the org CA, or undefined. */
    const volumeProblem = (v: any): { problem: AuditProblem; detail: string } | undefined => {
      const cmSources = [v.configMap, ...(v.projected?.sources ?? []).map((s: any) => s.configMap)].filter(Boolean);
      for (const cm of cmSources) {
        if (absent(pod.namespace, cm)) {
          return { problem: 'bundle-absent', detail: `ConfigMap ${pod.namespace}/${cm.name} (volume "${v.name}") does not exist: ${cm.optional ? 'the file is missing' : 'the pod cannot start'}` };
        }
      }
      if (v.emptyDir) {
        const writer = merges.find((m: any) => (m.volumeMounts ?? []).some((x: any) => x.name === v.name));
        if (!writer) return { problem: 'merged-volume-unwritten', detail: `volume "${v.name}" is an emptyDir that no merge init container writes: the file is not there` };
        for (const src of (writer.volumeMounts ?? []).filter((x: any) => x.name !== v.name)) {
          const sv = volumes.get(src.name);
          const p = sv ? volumeProblem(sv) : undefined;
          if (p) return { problem: 'bundle-absent', detail: `${p.detail}; the merge (${writer.name}) falls back to the image's system bundle only` };
        }
      }
      return undefined;
    };
    const appContainers = [...(pod.spec.initContainers ?? []).filter((c: any) => !isLibraryInitContainer(c)), ...pod.spec.containers];
    for (const c of appContainers) {
      containers++;
      const env = new Map<string, string | undefined>((c.env ?? []).map((e: any) => [e.name, e.value]));
      const mounts: any[] = c.volumeMounts ?? [];
      const overlay = mounts.some(m => SYSTEM_BUNDLE_CANDIDATES.includes(m.mountPath));
      const caVars = [...env.keys()].filter(k => CA_VARIABLES.has(k));
      if (caVars.length === 0 && !overlay) {
        add(c.name, 'no-ca-variable', `no CA variable (${CaVariables.DEFAULTS.slice(0, 3).join(', ')}, ...) and no system bundle overlay${c.envFrom ? ' (envFrom ConfigMaps are not read: the library never sets CA variables that way)' : ''}: its clients use the image's own bundle`);
      }
      const files = caVars.map(k => ({ what: k, path: env.get(k) }));
      const jto = env.get('JAVA_TOOL_OPTIONS');
      const store = jto !== undefined ? /-Djavax\.net\.ssl\.trustStore=(\S+)/.exec(jto)?.[1] : undefined;
      if (store) files.push({ what: 'JAVA_TOOL_OPTIONS trustStore', path: store });
      for (const f of files) {
        if (f.path === undefined) continue; // valueFrom: not known offline
        // the deepest mount that holds the path
        const holds = (x: any) => f.path === x.mountPath || f.path!.startsWith(`${x.mountPath.replace(/\/$/, '')}/`);
        const m = mounts.filter(holds).sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
        if (!m) {
          add(c.name, 'unmounted-file', `${f.what} points at ${f.path}, which no volume mount provides: the image's own file, or nothing`);
          continue;
        }
        const v = volumes.get(m.name);
        const p = v ? volumeProblem(v) : { problem: 'unmounted-file' as const, detail: `${f.what}: the mount at ${m.mountPath} names volume "${m.name}", which the pod does not have` };
        if (p) add(c.name, p.problem, `${f.what} → ${f.path}: ${p.detail}`);
      }
      const jvm = JVM_IMAGE_RE.test(String(c.image ?? '')) || JVM_VARIABLES.some(k => env.has(k));
      const javaTrust = !!store || env.has('KC_TRUSTSTORE_PATHS') || mounts.some(m => JAVA_CACERTS_CANDIDATES.includes(m.mountPath));
      if (jvm && !javaTrust) {
        add(c.name, 'java-without-truststore', `a JVM (image ${c.image}) with no trust store: JVMs read no CA variable; wire it with java: JavaTrust.keytoolImport() (--java keytool) or KeycloakTruststore`);
      }
    }
  }
  return { findings, checked: { pods: pods.length, containers }, skipped };
}

/** The library's own init containers (the merge and the keytool import): `sh -c SCRIPT NAME ...`. */
function isLibraryInitContainer(c: any): boolean {
  return Array.isArray(c.command) && LIBRARY_SCRIPTS.has(c.command[3]);
}

/** The report as a table. */
export function auditTable(r: AuditResult): string {
  const rows = [['NAMESPACE', 'OBJECT', 'CONTAINER', 'PROBLEM', 'DETAIL'], ...r.findings.map(f => [f.namespace, f.object, f.container, f.problem, f.detail])];
  const widths = [0, 1, 2, 3].map(i => Math.max(...rows.map(row => row[i].length)));
  const lines = r.findings.length ? rows.map(row => row.map((cell, i) => (i < 4 ? cell.padEnd(widths[i]) : cell)).join('  ').trimEnd()) : [];
  const skipped = [
    r.skipped.otherNamespaces ? `${r.skipped.otherNamespaces} in other namespaces (the control plane's unless --namespace names them)` : '',
    r.skipped.finished ? `${r.skipped.finished} finished pod(s)` : '',
    r.skipped.optedOut ? `${r.skipped.optedOut} opted out (${METADATA.OPT_OUT})` : '',
  ].filter(Boolean);
  lines.push(`${r.checked.pods} pod(s), ${r.checked.containers} container(s) checked, ${r.findings.length} problem(s)${skipped.length ? `; skipped: ${skipped.join(', ')}` : ''}`);
  return `${lines.join('\n')}\n`;
}
