#!/usr/bin/env node
/**
 * `cdk8s-org-ca`: wire YAML that cdk8s did not build (Helm renders, kustomize output, plain
 * manifests), with the library's own manifest entry point (`CaTrust.wireManifests`).
 *
 * Output goes to stdout only when the whole run succeeded; progress, the summary and errors go to
 * stderr. Exit codes: 0 done, 1 bad input (one line on stderr naming the document and the fix),
 * 2 bad usage, 3 `audit` found problems.
 * @internal
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Chart, Yaml } from 'cdk8s';
import { createTwoFilesPatch } from 'diff';
import * as YAML from 'yaml';
import { admitObjects } from './admit';
import { audit, auditTable } from './audit';
import { helmPluginFiles, packageVersion, writeHelmPlugin } from './helm-plugin';
import { documentPieces, Spool, textOf } from './stream';
import { CliError, Distribution, distributionProps, parsePodTemplates, valuesOf, wireResourceList, wireStream, WireSummary } from './wire';
import { inCommandWords } from './words';
import { parseStream, patchDocument, valueOfDocument } from './yaml-stream';
import { CaSource } from '../bundle/ca-source';
import { OrgCaBundle } from '../bundle/org-ca-bundle';
import { JavaTrust } from '../pod/java-trust';
import { BundleSource, OnInvalidBundle, WireAllOptions, WiringMode } from '../pod/wiring-options';
import { copyBoundedFd, readRegularFile, regularFileSize } from '../util/read-file';
import { setWarningSink } from '../util/warnings';
import { TrustVerificationJob, VerificationHook } from '../verify/trust-verification-job';

const USAGE: Record<string, string> = {
  'main': `usage: cdk8s-org-ca <command> [options]

Trust an organisation CA in every pod of YAML that cdk8s did not build.

commands:
  wire     wire every workload of a YAML stream (files or stdin) or a KRM ResourceList
  check    validate a CA file: subjects, expiry, warnings
  audit    report every container of a pod list (kubectl get pods -A -o json) that will not
           trust the org CA, and why
  verify-job  print a Job, wired like the workloads, that proves in the cluster that its
           clients trust the org CA (a plain Job, an Argo CD PostSync hook or a Helm test)
  admit    run a MutatingAdmissionPolicy (CaAdmissionPolicy) offline: print pods as the API
           server would admit them
  bundle   print the distribution objects (trust-manager Bundle, ConfigMaps, ClusterTrustBundle)
  helm-plugin  write a Helm post-renderer (a Helm 4 plugin, and the script Helm 3 runs) that
           runs this command's wire with the given options

Run 'cdk8s-org-ca <command> --help' for a command's options; --version prints the version.`,
  'wire': `usage: cdk8s-org-ca wire --ca FILE [options] [FILE...|-]

Reads a multi-document YAML stream (files in order, or stdin with - or no file), wires every
workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Pod, RayCluster...,
kind: List items too) and writes the stream to stdout in input order. Objects it does not touch
come out unchanged in meaning; '# Source:' comments and empty documents are kept. It works a
document at a time: the wired stream is held in memory up to 8 MiB, past that in a temporary
file under $TMPDIR, and written when every document is wired. As a KRM
function (kpt, kustomize): stdin is a ResourceList; options come from functionConfig.data
(ca: PEM text, or caFile; the other keys as below without '--').

distribution (what pods mount; default: trust-manager Bundle "org-ca-bundle"):
  --bundle-name NAME         trust-manager Bundle / projected ConfigMap name
  --configmap NAME:KEY       plain ConfigMaps NAME with key KEY in each namespace (you create them)
  --ctb VERSION              ClusterTrustBundle source; VERSION is the cluster's, e.g. 1.37
  --ctb-name NAME            its name (default org-ca-bundle)
  --allow-beta               ClusterTrustBundle v1beta1 on Kubernetes 1.33 to 1.36
  --use-default-cas          the Bundle holds public roots too (needed by --mode direct)
wiring:
  --mode merge|direct        merge init container (default) or direct mount
  --namespace NS             only objects in NS (repeatable)
  --kind KIND                only these kinds (repeatable)
  --pod-template API/KIND=/PTR[,/PTR]   pod template locations of another kind (repeatable)
  --variables A,B            variables to set (default: CaVariables.DEFAULTS)
  --extra-variables A,B      variables added to the defaults
  --skip-variables A,B       variables a container may keep at its own value
  --image IMAGE              image of the merge init container
  --java keytool|pkcs12      a JVM trust store: keytool imports the CA into the image's own
                             cacerts; pkcs12 mounts the trust-manager Bundle's PKCS#12 store
  --java-password PW         its store password
  --pkcs12-key KEY           the Bundle's PKCS#12 key that --java pkcs12 mounts (default
                             truststore.p12; create the Bundle with 'bundle --pkcs12-key KEY')
  --pkcs12-password PW       the password trust-manager gives that store (default: none)
  --openshift                no runAsUser (OpenShift assigns it)
  --system-bundle-overlay    mount the merged bundle over the image's system bundle files too
                             (for clients that read no variable: R curl, wget, PHP curl),
                             and with --java keytool the JVM store over the JVM's cacerts
  --fail-on-invalid-bundle   the merge fails the pod when the CA holds no valid certificate
  --fail-on-unknown-kinds    an unknown kind with a pod template is an error, not a warning
  --allow-weak-keys          accept RSA keys under 2048 bits (clients at OpenSSL level 2 refuse them)
  --report FILE              write a JSON report to FILE: every object, its outcome, and the
                             containers the wiring changed and added
  --diff                     a dry run: print a unified diff of the input and what wire would
                             write, instead of the wired stream
  --quiet                    no summary on stderr`,
  'check': `usage: cdk8s-org-ca check --ca FILE [--json] [--expiry-days N] [--allow-weak-keys]

Validates the CA as OrgCaBundle does and prints, on stdout, each certificate's subject, issuer,
validity and SHA-256 fingerprint, then the warnings (on stdout too: this is the report). Exit 1 on
an invalid CA (a private key, no certificate...).

  --json                     the report as one JSON object: certificates, warnings, sha256
  --expiry-days N            warn about certificates that expire within N days (default 30; 0: expired only)
  --allow-weak-keys          accept RSA keys under 2048 bits (clients at OpenSSL level 2 refuse them)`,
  'audit': `usage: cdk8s-org-ca audit [--ca FILE] [--namespace NS]... [--json] [--expiry-days N] [FILE...|-]

Reads what 'kubectl get pods -A -o json' (or -o yaml) prints, or a List or stream of workloads,
and reports on stdout every container that will not trust the org CA, and why: no CA variable and
no system bundle overlay, a variable pointing at a file no volume provides, a merged volume no
merge init container writes, the bundle ConfigMap absent (give the ConfigMaps too: kubectl get
pods,configmaps -A -o json), a JVM without a trust store. With --ca: pods wired with another
bundle (rotation pending), and the CA's certificates that expire within --expiry-days. Exit 0:
nothing found; 3: problems found (for CI); 1: bad input; 2: bad usage.

  --ca FILE                  the current org CA
  --namespace NS             only pods in NS (repeatable; default: all but kube-system,
                             kube-public and kube-node-lease)
  --json                     the report as one JSON object: findings, checked, skipped
  --expiry-days N            report certificates that expire within N days (default 30; 0: expired only)
  --allow-weak-keys          accept RSA keys under 2048 bits in --ca`,
  'admit': `usage: cdk8s-org-ca admit --policy FILE [FILE...|-]

Evaluates the MutatingAdmissionPolicy objects in --policy (and their bindings) on Pod CREATE, as
the API server would (KEP-3962: match constraints, match conditions, variables, JSONPatch and
ApplyConfiguration mutations, failure policy, reinvocation), offline, with a conformance-tested
CEL implementation.
Input: Pods, or workloads (their pod templates become the pods a controller would create), and
Namespace objects for namespace labels. Prints the admitted pods as YAML on stdout, and one line
per pod on stderr (mutated, or why not). Exit 1 when a policy with failurePolicy Fail refuses a pod.

  --policy FILE              YAML with MutatingAdmissionPolicy and MutatingAdmissionPolicyBinding
                             objects (e.g. the synth output of CaAdmissionPolicy); other objects
                             in it are ignored
  --quiet                    no per-pod lines on stderr`,
  'verify-job': `usage: cdk8s-org-ca verify-job --ca FILE --namespace NS --org-url URL [--org-url URL]...
                              --job-image IMAGE [--public-url URL] [--hook none|argocd|helm-test]
                              [--job-name NAME] [wire options]

Prints a Job (YAML) for namespace NS, wired with the wire options given (as 'wire' would wire the
namespace's workloads), that runs every TLS client its image has (openssl, curl, python3, node;
wget with --system-bundle-overlay) against each --org-url (a URL only the org CA vouches for: a
host the proxy re-signs, or an internal service; each must be trusted, and the first refused when
the CA variables point at an empty file) and --public-url (public roots must stay trusted), and
fails with a report naming each client that does not trust the org CA.

  --org-url URL              an https URL only the org CA vouches for (repeatable)
  --public-url URL           an https URL with a public certificate
  --job-image IMAGE          the image the checks run in (use the workloads' base image)
  --hook none|argocd|helm-test   a plain Job (default), an Argo CD PostSync hook, or a Helm test
  --job-name NAME            the Job's name (default org-ca-verify)
  wire options               as 'cdk8s-org-ca wire --help' lists them (--image is the merge's)`,
  'helm-plugin': `usage: cdk8s-org-ca helm-plugin DIR --ca FILE [--plugin-name NAME] [wire options]

Writes DIR/plugin.yaml (a Helm 4 plugin of type postrenderer/v1) and DIR/post-render (the
executable it runs; Helm 3 runs it by path). The script runs this installed command, with the
absolute paths of its Node and of the command, and the wire options given here (checked now; the
CA by its absolute path). Then:
  Helm 4:  helm plugin install DIR   (or put DIR in $HELM_PLUGINS)
           helm upgrade --install REL CHART --post-renderer NAME [--post-renderer-args ARG]...
  Helm 3:  helm upgrade --install REL CHART --post-renderer DIR/post-render

  --plugin-name NAME         the plugin's name (default org-ca)
  wire options               as 'cdk8s-org-ca wire --help' lists them`,
  'bundle': `usage: cdk8s-org-ca bundle --ca FILE [--bundle-name NAME] [--use-default-cas] [--pkcs12-key KEY [--pkcs12-password PW]]
                          [--configmap NAME:KEY --namespace NS...] [--ctb VERSION [--ctb-name NAME] [--allow-beta]]

Prints the distribution objects as YAML: a trust-manager Bundle (default), plain ConfigMaps in
the given namespaces, and/or a ClusterTrustBundle. --pkcs12-key adds a PKCS#12 target to the
Bundle (what 'wire --java pkcs12' mounts; with --use-default-cas it keeps public roots trusted).`,
};

const FLAGS = new Set(['--allow-beta', '--use-default-cas', '--openshift', '--system-bundle-overlay', '--fail-on-invalid-bundle', '--fail-on-unknown-kinds', '--quiet', '--json',
  '--allow-weak-keys', '--diff', '--help', '-h']);
const VALUED = new Set(['--ca', '--bundle-name', '--configmap', '--ctb', '--ctb-name', '--mode', '--namespace', '--kind', '--pod-template', '--variables',
  '--extra-variables', '--skip-variables', '--image', '--java', '--java-password', '--plugin-name', '--expiry-days', '--report',
  '--org-url', '--public-url', '--job-image', '--hook', '--job-name', '--policy', '--pkcs12-key', '--pkcs12-password']);

interface Parsed {
  readonly opts: Map<string, string[]>;
  readonly files: string[];
}

function usageError(command: string, message: string): never {
  throw Object.assign(new Error(`${message}; run 'cdk8s-org-ca ${command === 'main' ? '' : `${command} `}--help' for the options`), { usage: true });
}

function parseArgs(command: string, argv: string[]): Parsed {
  const opts = new Map<string, string[]>();
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-' || !a.startsWith('-')) {
      files.push(a);
    } else if (FLAGS.has(a)) {
      opts.set(a, ['true']);
    } else {
      const [name, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
      if (FLAGS.has(name) && inline !== undefined) {
        // --flag=true / --flag=false, nothing else
        if (inline !== 'true' && inline !== 'false') usageError(command, `cdk8s-org-ca ${command}: ${name}=${inline}: a switch takes true or false`);
        if (inline === 'true') opts.set(name, ['true']);
        else opts.delete(name);
        continue;
      }
      if (!VALUED.has(name)) usageError(command, `cdk8s-org-ca ${command}: unknown option ${name}`);
      const value = inline ?? argv[++i];
      if (value === undefined) usageError(command, `cdk8s-org-ca ${command}: ${name} needs a value`);
      opts.set(name, [...(opts.get(name) ?? []), value]);
    }
  }
  return { opts, files };
}

const one = (p: Parsed, k: string) => p.opts.get(k)?.slice(-1)[0];
const list = (p: Parsed, k: string) => (p.opts.get(k) ?? []).flatMap(v => v.split(',')).map(x => x.trim()).filter(Boolean);

function caOf(p: Parsed, command: string): CaSource {
  const file = one(p, '--ca');
  if (!file) usageError(command, `cdk8s-org-ca ${command}: --ca FILE is required (the org CA, PEM or DER)`);
  return CaSource.fromFile(file);
}

function distributionOf(p: Parsed, command: string): Distribution {
  const cm = one(p, '--configmap');
  let configMapName = one(p, '--bundle-name');
  let configMapKey: string | undefined;
  if (cm) {
    const m = /^([^:]+):(.+)$/.exec(cm);
    if (!m) usageError(command, `cdk8s-org-ca ${command}: --configmap "${cm}" is not NAME:KEY, e.g. org-ca:ca.crt`);
    configMapName = m[1];
    configMapKey = m[2];
  }
  if (one(p, '--pkcs12-key') !== undefined && (cm || (one(p, '--ctb') && !configMapName))) {
    usageError(command, `cdk8s-org-ca ${command}: --pkcs12-key is a target of the trust-manager Bundle, which ${cm ? '--configmap' : '--ctb without --bundle-name'} replaces; drop one of them`);
  }
  return {
    configMapName,
    configMapKey,
    ctbKubernetesVersion: one(p, '--ctb'),
    ctbName: one(p, '--ctb-name'),
    ctbAllowBeta: p.opts.has('--allow-beta'),
    useDefaultCAs: p.opts.has('--use-default-cas'),
    allowWeakKeys: p.opts.has('--allow-weak-keys'),
    // --java pkcs12 mounts the Bundle's PKCS#12 target: truststore.p12 unless named
    pkcs12Key: one(p, '--pkcs12-key') ?? (one(p, '--java') === 'pkcs12' ? 'truststore.p12' : undefined),
    pkcs12Password: one(p, '--pkcs12-password'),
  };
}

function wireOptionsOf(p: Parsed, command: string): WireAllOptions {
  const mode = one(p, '--mode');
  if (mode && mode !== 'merge' && mode !== 'direct') usageError(command, `cdk8s-org-ca ${command}: --mode "${mode}" is not merge or direct`);
  const java = one(p, '--java');
  if (java && java !== 'keytool' && java !== 'pkcs12') usageError(command, `cdk8s-org-ca ${command}: --java "${java}" is not keytool or pkcs12`);
  const pw = one(p, '--java-password');
  const variables = list(p, '--variables');
  return {
    mode: mode === 'direct' ? WiringMode.DIRECT : WiringMode.MERGE,
    source: one(p, '--ctb') ? BundleSource.CLUSTER_TRUST_BUNDLE : undefined,
    namespaces: p.opts.has('--namespace') ? list(p, '--namespace') : undefined,
    kinds: p.opts.has('--kind') ? list(p, '--kind') : undefined,
    podTemplates: parsePodTemplates(p.opts.get('--pod-template') ?? []),
    variables: variables.length ? variables : undefined,
    extraVariables: list(p, '--extra-variables'),
    skipVariables: list(p, '--skip-variables'),
    image: one(p, '--image'),
    java: java === 'keytool' ? JavaTrust.keytoolImport({ storePassword: pw }) : java === 'pkcs12' ? JavaTrust.trustManagerPkcs12({ password: pw }) : undefined,
    openShift: p.opts.has('--openshift'),
    systemBundleOverlay: p.opts.has('--system-bundle-overlay'),
    onInvalidBundle: p.opts.has('--fail-on-invalid-bundle') ? OnInvalidBundle.FAIL : undefined,
    failOnUnknownKinds: p.opts.has('--fail-on-unknown-kinds'),
  };
}

/**
 * functionConfig.data of a KRM ResourceList as command-line arguments: a mapping of option names
 * (the flags without "--") to strings; a switch is true or false (a string or a YAML boolean).
 */
function argsOfFunctionConfig(fc: any): { argv: string[]; caPem?: string } {
  const data = fc?.data ?? fc?.spec ?? {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new CliError(`the ResourceList's functionConfig.data is ${Array.isArray(data) ? 'a list' : `a ${typeof data}`}; it must be a mapping of option names to values, e.g. caFile: /path/to/org-ca.pem`);
  }
  const argv: string[] = [];
  let caPem: string | undefined;
  for (const [k, v] of Object.entries(data)) {
    if (v !== null && typeof v === 'object') throw new CliError(`functionConfig.data.${k} is not a string; give it as text`);
    if (k === 'ca') {
      caPem = String(v);
    } else if (k === 'caFile') {
      argv.push('--ca', String(v));
    } else if (FLAGS.has(`--${k}`)) {
      if (String(v) !== 'true' && String(v) !== 'false') {
        throw new CliError(`functionConfig.data.${k} is "${String(v)}": a switch is "true" or "false"`);
      }
      if (String(v) === 'true') argv.push(`--${k}`);
    } else {
      argv.push(`--${k}`, String(v));
    }
  }
  return { argv, caPem };
}

function summaryLine(s: WireSummary, quiet: boolean, err: (l: string) => void, reportFile?: string) {
  if (reportFile) {
    try {
      fs.writeFileSync(reportFile, `${JSON.stringify(s.objects.map(o => ({ ...o, detail: inCommandWords(o.detail) })), null, 2)}\n`);
    } catch (e) {
      throw new CliError(`--report ${reportFile}: cannot write it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  }
  if (quiet) return;
  for (const r of s.reported) err(`cdk8s-org-ca: ${inCommandWords(r)}`);
  err(`cdk8s-org-ca: ${s.documents} document(s): ${s.wired} object(s) wired, ${s.skipped} left alone, ${s.reported.length} reported`);
}

/** The largest render read (a file or stdin): 256 MiB. */
const INPUT_LIMIT_BYTES = 256 * 1024 * 1024;
const INPUT_WORDS = { what: 'the input', expected: 'a file of rendered YAML (or - for stdin)', tooLarge: 'split the render and wire it in parts' };

/** Reads stdin as the command does: bounded, never a device, held in memory only while small. */
export function readStdin(): Spool {
  const spool = new Spool();
  try {
    copyBoundedFd(0, INPUT_LIMIT_BYTES, { ...INPUT_WORDS, what: 'stdin' }, b => spool.write(b));
    return spool;
  } catch (e) {
    spool.dispose();
    throw new CliError((e as Error).message);
  }
}

/** The CA as `check` and `audit` validate it: OrgCaBundle's rules, --expiry-days, --allow-weak-keys. */
function checkedBundle(p: Parsed, command: string): OrgCaBundle {
  const days = one(p, '--expiry-days');
  if (days !== undefined && !/^\d+$/.test(days)) usageError(command, `cdk8s-org-ca ${command}: --expiry-days "${days}" is not a whole number of days`);
  return new OrgCaBundle(new Chart(new App({ outdir: '/tmp' }), 'c'), 'ca', {
    source: caOf(p, command),
    printWarnings: false,
    allowWeakKeys: p.opts.has('--allow-weak-keys'),
    expiryWarningDays: days === undefined ? undefined : Number(days),
    trustManager: { enabled: false },
    configMaps: [{ namespaces: ['default'] }],
  });
}

/** `check`: the report on stdout, as text or JSON. */
function check(p: Parsed, out: (s: string) => void): number {
  const bundle = checkedBundle(p, 'check');
  const warnings = bundle.warnings.map(inCommandWords);
  if (p.opts.has('--json')) {
    out(`${JSON.stringify({
      certificates: bundle.certificates.map(c => ({
        subject: c.subject, issuer: c.issuer, notBefore: c.notBefore, notAfter: c.notAfter, isCa: c.isCa, sha256: c.fingerprint256,
      })),
      warnings,
      sha256: bundle.sha256,
    }, null, 2)}\n`);
    return 0;
  }
  const lines = bundle.certificates.map(c => `${c.subject}\n  issuer ${c.issuer}\n  valid ${c.notBefore} to ${c.notAfter}${c.isCa ? '' : ' (not a CA)'}\n  sha256 ${c.fingerprint256}`);
  out([...lines, ...warnings.map(w => `warning: ${w}`), `${bundle.certificates.length} certificate(s), ${warnings.length} warning(s), bundle sha256 ${bundle.sha256}`].join('\n') + '\n');
  return 0;
}

/** The ResourceList document with `results` set, everything else as it came in. */
function withResults(docs: YAML.Document.Parsed[], resourceList: any, results: any[]): string {
  try {
    patchDocument(docs[0], resourceList, { ...resourceList, results }, 'the ResourceList');
    return docs[0].toString({ lineWidth: 0 });
  } catch {
    // a document the patcher refuses (a tag or directive it will not rewrite): the value as YAML
    return YAML.stringify({ ...resourceList, results }, { lineWidth: 0 });
  }
}

/** `audit`: the findings on stdout; exit 3 when there are any. */
function auditCommand(p: Parsed, text: string, source: string, out: (s: string) => void): number {
  const bundle = p.opts.has('--ca') ? checkedBundle(p, 'audit') : undefined;
  if (!bundle && p.opts.has('--expiry-days')) usageError('audit', 'cdk8s-org-ca audit: --expiry-days needs --ca FILE (the CA whose certificates it checks)');
  const r = audit(valuesOf(parseStream(text), source), {
    namespaces: list(p, '--namespace'),
    bundleSha256: bundle?.sha256,
    expiryWarnings: (bundle?.warnings ?? []).filter(w => /expire/.test(w)).map(inCommandWords),
  });
  out(p.opts.has('--json') ? `${JSON.stringify(r, null, 2)}\n` : auditTable(r));
  return r.findings.length ? 3 : 0;
}

/** `admit`: the admitted pods on stdout, one line per pod on stderr. */
function admitCommand(
  p: Parsed, text: string, source: string, readInput: (f: string) => string, out: (s: string) => void, err: (l: string) => void,
): number {
  const file = one(p, '--policy') ?? usageError('admit', 'cdk8s-org-ca admit: --policy FILE is required (YAML with the MutatingAdmissionPolicy and its binding)');
  const r = admitObjects(valuesOf(parseStream(readInput(file)), file), valuesOf(parseStream(text), source));
  if (!p.opts.has('--quiet')) for (const l of r.lines) err(`cdk8s-org-ca admit: ${l}`);
  out(r.pods.length ? Yaml.stringify(...r.pods) : '# cdk8s-org-ca admit: no pods in the input\n');
  return 0;
}

/** `verify-job`: the Job's YAML on stdout. */
function verifyJob(p: Parsed, out: (s: string) => void): number {
  const command = 'verify-job';
  const namespaces = list(p, '--namespace');
  if (namespaces.length !== 1) usageError(command, 'cdk8s-org-ca verify-job: --namespace NS is required, once (the namespace whose wiring it checks)');
  const image = one(p, '--job-image') ?? usageError(command, 'cdk8s-org-ca verify-job: --job-image IMAGE is required (an image with a shell and openssl, curl, python3 or node)');
  const orgUrls = p.opts.get('--org-url') ?? usageError(command, 'cdk8s-org-ca verify-job: --org-url URL is required (an https URL only the org CA vouches for)');
  const hooks: Record<string, VerificationHook> = { 'none': VerificationHook.NONE, 'argocd': VerificationHook.ARGO_CD_POST_SYNC, 'helm-test': VerificationHook.HELM_TEST };
  const hook = one(p, '--hook') ?? 'none';
  if (!hooks[hook]) usageError(command, `cdk8s-org-ca verify-job: --hook "${hook}" is not none, argocd or helm-test`);
  const { namespaces: _n, kinds: _k, podTemplates: _p, failOnUnknownKinds: _f, ...wiring } = wireOptionsOf(p, command);
  const chart = new Chart(new App({ outdir: '/tmp' }), 'verify', { namespace: namespaces[0] });
  const bundle = new OrgCaBundle(chart, 'ca', distributionProps(caOf(p, command), distributionOf(p, command), namespaces));
  const v = new TrustVerificationJob(chart, 'verify', {
    bundle, image, orgUrls, publicUrl: one(p, '--public-url'), hook: hooks[hook], name: one(p, '--job-name'), wiring,
  });
  out(Yaml.stringify(...chart.toJson().filter(o => o.kind === 'Job' && o.metadata.name === v.job.name)));
  return 0;
}

/** `helm-plugin DIR`: the wire options are checked as `wire` checks them, then written into the script. */
function helmPlugin(p: Parsed, err: (l: string) => void): number {
  const command = 'helm-plugin';
  if (p.files.length !== 1 || p.files[0] === '-') usageError(command, 'cdk8s-org-ca helm-plugin: give one directory to write the plugin into');
  const ca = path.resolve(one(p, '--ca') ?? usageError(command, 'cdk8s-org-ca helm-plugin: --ca FILE is required (the org CA, PEM or DER)'));
  // what wire would refuse is refused now, not at helm install time
  const d = distributionOf(p, command);
  wireOptionsOf(p, command);
  new OrgCaBundle(new Chart(new App({ outdir: '/tmp' }), 'c'), 'ca', { ...distributionProps(CaSource.fromFile(ca), d, ['default']), printWarnings: false });
  const args: string[] = [];
  for (const [flag, values] of p.opts) {
    if (flag === '--plugin-name') continue;
    for (const v of values) args.push(...(FLAGS.has(flag) ? [flag] : [flag, flag === '--ca' ? ca : v]));
  }
  const files = helmPluginFiles(one(p, '--plugin-name') ?? 'org-ca', args, path.resolve(__filename), process.execPath);
  for (const f of writeHelmPlugin(p.files[0], files)) err(`cdk8s-org-ca: wrote ${f}`);
  return 0;
}

/** `wire`: a KRM ResourceList, or a YAML stream wired a document at a time. */
function wireCommand(
  p: Parsed, rest: string[], inputs: Array<string | Spool>, whole: () => string, source: string, out: (s: string) => void, err: (l: string) => void,
): number {
  const command = 'wire';
  const pieces = () => documentPieces(textOf(inputs));
  // a KRM function's input is one ResourceList document
  const firstPiece = pieces().next();
  const firstDocs = firstPiece.done ? [] : parseStream(firstPiece.value);
  const head = firstDocs.length === 1 && !firstDocs[0].errors.length ? valueOfDocument(firstDocs[0]) : undefined;
  const resourceList = head && head.kind === 'ResourceList' && /^config\.kubernetes\.io\//.test(head.apiVersion ?? '');
  const text = resourceList || p.opts.has('--diff') ? whole() : undefined;
  const docs = resourceList ? parseStream(text!) : [];
  if (resourceList && docs.length === 1) {
    const first = head;
    try {
      if (first.items !== undefined && first.items !== null && !Array.isArray(first.items)) {
        throw new CliError(`the ResourceList's items is ${typeof first.items === 'object' ? 'a mapping' : `a ${typeof first.items}`}, not a list of objects`);
      }
      const fc = argsOfFunctionConfig(first.functionConfig);
      const q = parseArgs(command, [...fc.argv, ...rest]);
      const ca = fc.caPem !== undefined ? CaSource.fromPem(fc.caPem) : caOf(q, command);
      const r = wireResourceList(docs[0], ca, distributionOf(q, command), wireOptionsOf(q, command));
      summaryLine(r.summary, q.opts.has('--quiet'), err, one(q, '--report'));
      out(r.yaml);
      return 0;
    } catch (e) {
      // a KRM function reports in the ResourceList's results (kpt prints them), the items
      // unchanged: a results entry is added to the parsed document, which keeps comments and
      // writes strings, integers and tags as YAML 1.1 reads them (as the success path does)
      const results = [...(Array.isArray(first.results) ? first.results : []), { message: inCommandWords((e as Error).message), severity: 'error' }];
      out(withResults(docs, first, results));
      throw e;
    }
  }
  const ca = caOf(p, command);
  const d = distributionOf(p, command);
  const options = wireOptionsOf(p, command);
  const report = one(p, '--report');
  if (p.opts.has('--diff')) { // what wire would write, as a diff of the input
    let wired = '';
    const summary = wireStream(() => documentPieces([text!]), source, ca, d, options, s => { wired += s; }, report !== undefined);
    summaryLine(summary, p.opts.has('--quiet'), err, report);
    out(createTwoFilesPatch(source, `${source} (wired)`, text!, wired, undefined, undefined, { context: 3 }));
    return 0;
  }
  // the wired stream is held back (in a temporary file once large) until every document is wired
  const spool = new Spool();
  try {
    let blank = true;
    const summary = wireStream(pieces, source, ca, d, options, s => {
      if (blank && /\S/.test(s)) blank = false;
      spool.write(s);
    }, report !== undefined);
    summaryLine(summary, p.opts.has('--quiet'), err, report);
    for (const s of textOf([spool])) out(s);
    // never empty output: Helm 4 takes an empty (whitespace-only) stream from a post-renderer as an error
    if (blank) out('# cdk8s-org-ca wire: no manifests in the input\n');
    return 0;
  } finally {
    spool.dispose();
  }
}

/**
 * Runs the command; returns the exit code. `stdin` gives the standard input (text, or what
 * `readStdin` spooled). stdout receives the output only once the whole run has succeeded (in one
 * or more calls), or nothing.
 */
export function run(argv: string[], stdin: () => string | Spool, out: (s: string) => void, err: (l: string) => void): number {
  // the library's warnings, in the command's words, on the command's stderr
  const previous = setWarningSink(w => err(`cdk8s-org-ca: warning: ${inCommandWords(w)}`));
  try {
    return runCommand(argv, stdin, out, err);
  } finally {
    setWarningSink(previous);
  }
}

function runCommand(argv: string[], stdin: () => string | Spool, out: (s: string) => void, err: (l: string) => void): number {
  const [command = '', ...rest] = argv;
  try {
    if (command === '--version') {
      out(`${packageVersion()}\n`);
      return 0;
    }
    if (command === '' || command === '--help' || command === '-h') {
      out(`${USAGE.main}\n`);
      return command === '' ? 2 : 0;
    }
    if (!USAGE[command] || command === 'main') usageError('main', `cdk8s-org-ca: unknown command "${command}"`);
    if (rest.includes('--help') || rest.includes('-h')) {
      out(`${USAGE[command]}\n`);
      return 0;
    }
    const p = parseArgs(command, rest);
    if (command === 'check') return check(p, out);
    if (command === 'bundle') {
      const d = distributionOf(p, command);
      const app = new App({ outdir: '/tmp' });
      const chart = new Chart(app, 'bundle');
      const namespaces = list(p, '--namespace');
      if (d.configMapKey !== undefined && namespaces.length === 0) usageError(command, 'cdk8s-org-ca bundle: --configmap needs --namespace NS (repeatable)');
      new OrgCaBundle(chart, 'ca', distributionProps(caOf(p, command), d, namespaces));
      out(Yaml.stringify(...chart.toJson()));
      return 0;
    }
    if (command === 'helm-plugin') return helmPlugin(p, err);
    if (command === 'verify-job') return verifyJob(p, out);
    const readInput = (f: string) => {
      try {
        return readRegularFile(f, INPUT_LIMIT_BYTES, INPUT_WORDS).toString('utf8');
      } catch (e) {
        throw new CliError((e as Error).message);
      }
    };
    // the inputs in order (stdin where "-" is, first without files), joined by document markers;
    // files are checked now and read a chunk at a time when the input is read
    const useStdin = p.files.length === 0 || p.files.includes('-');
    const spools: Spool[] = [];
    try {
      const inputs: Array<string | Spool> = [];
      if (useStdin) {
        const s = stdin();
        if (typeof s !== 'string') spools.push(s);
        inputs.push(s);
      }
      for (const f of p.files.filter(x => x !== '-')) {
        let size: number;
        try {
          size = regularFileSize(f, INPUT_LIMIT_BYTES, INPUT_WORDS);
        } catch (e) {
          throw new CliError((e as Error).message);
        }
        if (inputs.length) inputs.push('\n---\n');
        inputs.push(Spool.ofFile(f, size));
      }
      const source = p.files.length ? p.files.map(f => (f === '-' ? 'stdin' : f)).join(', ') : 'stdin';
      const whole = () => Array.from(textOf(inputs)).join('');
      if (command === 'audit') return auditCommand(p, whole(), source, out);
      if (command === 'admit') return admitCommand(p, whole(), source, readInput, out, err);
      return wireCommand(p, rest, inputs, whole, source, out, err);
    } finally {
      spools.forEach(s => s.dispose());
    }
  } catch (e) {
    const usage = (e as any).usage === true;
    err(inCommandWords((e as Error).message.split('\n').join(' ')));
    return usage ? 2 : 1;
  }
}

/**
 * Writes all of `text` to `fd` before returning (a pipe may be non-blocking: wait while it is
 * full), so the output is never queued in memory behind a slow reader.
 */
function writeFully(fd: number, text: string): void {
  const b = Buffer.from(text, 'utf8');
  for (let off = 0; off < b.length;) {
    try {
      off += fs.writeSync(fd, b, off, b.length - off);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EPIPE') throw new CliError(`cdk8s-org-ca: ${fd === 1 ? 'stdout' : 'stderr'} was closed before the whole output was written`);
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
  }
}

if (require.main === module) {
  // stderr is written as best it can be: a closed stderr does not turn a success into a failure
  process.exitCode = run(process.argv.slice(2), readStdin, s => writeFully(1, s), l => {
    try {
      writeFully(2, `${l}\n`);
    } catch {
    }
  });
}
