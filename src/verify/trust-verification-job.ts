/**
 * A Job that proves, in the cluster, that pods wired like the namespace's workloads trust the org
 * CA: it runs the TLS clients its image has against endpoints the user names, and fails with a
 * readable report when trust is missing.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { OrgCaBundle } from '../bundle/org-ca-bundle';
import { MergedCaInitContainer } from '../pod/merged-ca-init-container';
import { PodWiringOptions } from '../pod/wiring-options';
import { checkDnsLabel, checkImage } from '../util/validate';

/** When the verification Job runs. */
export enum VerificationHook {
  /** A plain Job, run when applied. */
  NONE = 'NONE',
  /** An Argo CD `PostSync` hook: after every sync, re-created each time. */
  ARGO_CD_POST_SYNC = 'ARGO_CD_POST_SYNC',
  /** A Helm test hook: `helm test RELEASE` runs it. */
  HELM_TEST = 'HELM_TEST',
}

/** Props of `TrustVerificationJob`. */
export interface TrustVerificationJobProps {
  /** The validated org CA (what the namespace's workloads are wired with). */
  readonly bundle: OrgCaBundle;
  /**
   * HTTPS URLs whose certificates only the org CA vouches for: a host the TLS-inspecting proxy
   * re-signs (e.g. "https://pypi.org/simple/") or an internal service. Every client must reach
   * each of them with the wiring, and must fail on the first of them when its CA variables point
   * at an empty file (the discriminator: it verifies, and the variable is what it trusts).
   */
  readonly orgUrls: string[];
  /**
   * An HTTPS URL with a publicly trusted certificate, reached directly: public roots must stay
   * trusted (what direct mode with a bundle lacking them would break).
   *
   * @default - none
   */
  readonly publicUrl?: string;
  /**
   * Image with a POSIX shell and some of the clients: openssl, curl, python3, node, wget
   * (whichever exist run). Use your workloads' base image to test what they run.
   */
  readonly image: string;
  /**
   * The wiring, as the namespace's workloads get it (merge or direct, variables, overlay...).
   *
   * @default - the defaults of `MergedCaInitContainer`
   */
  readonly wiring?: PodWiringOptions;
  /**
   * When it runs.
   *
   * @default VerificationHook.NONE
   */
  readonly hook?: VerificationHook;
  /**
   * Name of the Job.
   *
   * @default "org-ca-verify"
   */
  readonly name?: string;
  /**
   * Namespace of the Job (the namespace whose wiring it checks).
   *
   * @default - the chart's namespace
   */
  readonly namespace?: string;
}

/**
 * The Job's script: `sh -c SCRIPT org-ca-verify OVERLAY PUBLIC_URL ORG_URL...`. For each client
 * found on PATH (openssl, curl, python3, node, wget; wget only with the system bundle overlay,
 * since it reads no variable), each org URL must be reached with the pod's wiring, the public URL
 * too when given, and the first org URL must be refused when every CA variable points at an empty
 * file. Prints one line per check and a summary; exits 1 when a check fails or no client is found.
 * @internal
 */
export const VERIFY_SCRIPT = `set -u
overlay=$1 public=$2
shift 2
say() { printf '%s\\n' "$*"; }
empty=/tmp/org-ca-verify-empty.pem
true >"$empty" 2>/dev/null || { say "org-ca-verify: cannot write $empty (is /tmp writable?)"; exit 1; }
vars="SSL_CERT_FILE REQUESTS_CA_BUNDLE CURL_CA_BUNDLE GIT_SSL_CAINFO NODE_EXTRA_CA_CERTS NPM_CONFIG_CAFILE PIP_CERT AWS_CA_BUNDLE"
without_org() {
  for v in $vars; do export "$v=$empty"; done
}
# one client, one URL: client URL [discriminator]; the output's last line on failure
fetch() {
  c=$1 url=$2 hostport=\${2#https://}
  hostport=\${hostport%%/*}
  case $hostport in *:*) ;; *) hostport=$hostport:443 ;; esac
  case $c in
    openssl) openssl s_client -connect "$hostport" -servername "\${hostport%:*}" -verify_return_error -brief </dev/null ;;
    curl) curl -fsS -o /dev/null --max-time 15 "$url" ;;
    python3) python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=15).read(1)' "$url" ;;
    node) node -e 'require("https").get(process.argv[1], r => process.exit(r.statusCode < 500 ? 0 : 1)).on("error", e => { console.error(e.message); process.exit(1); })' "$url" ;;
    wget) if [ "\${3-}" = discriminator ]; then wget -q -T 15 -t 1 --ca-directory=/nonexistent --ca-certificate="$empty" -O /dev/null "$url"; else wget -q -T 15 -t 1 -O /dev/null "$url"; fi ;;
  esac
}
clients= checks=0 failed=0
for c in openssl curl python3 node wget; do
  command -v $c >/dev/null 2>&1 || continue
  [ $c = wget ] && [ "$overlay" != overlay ] && continue
  clients="$clients $c"
done
if [ -z "$clients" ]; then
  say "org-ca-verify: FAIL: none of openssl, curl, python3, node (or wget with the overlay) is in this image: nothing was checked; use an image with one"
  exit 1
fi
say "org-ca-verify: clients:$clients; SSL_CERT_FILE=\${SSL_CERT_FILE-(unset)}"
report() { # expect client url label
  checks=$((checks + 1))
  if out=$( (fetch "$2" "$3" \${5-}) 2>&1 ); then ok=yes; else ok=no; fi
  last=$(printf '%s\\n' "$out" | tail -n 1)
  if [ $ok = "$1" ]; then
    say "  PASS $2 -> $3 ($4)"
  else
    failed=$((failed + 1))
    if [ $1 = yes ]; then say "  FAIL $2 -> $3 ($4): $last"; else say "  FAIL $2 -> $3 ($4): reached without the org CA, so this check proves nothing: the client does not verify, or the URL is not one only the org CA vouches for"; fi
  fi
}
for c in $clients; do
  for url in "$@"; do report yes $c "$url" 'wired: must be trusted'; done
  [ -n "$public" ] && report yes $c "$public" 'public roots: must stay trusted'
  ( without_org; report no $c "$1" 'CA variables at an empty file: must be refused' discriminator; exit $failed ) || failed=$?
done
if [ $failed -gt 0 ]; then
  say "org-ca-verify: FAIL: $failed check(s) failed: pods wired like this one do NOT trust the org CA as expected (see above; the README's troubleshooting table lists the messages)"
  exit 1
fi
say "org-ca-verify: OK: every client trusts the org CA with this wiring"`;

const URL_RE = /^https:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?(\/[A-Za-z0-9._~!&()*+,;=:@%/?-]*)?$/;

function checkUrl(what: string, url: string): string {
  if (typeof url !== 'string' || !URL_RE.test(url)) {
    throw new Error(`${what} ${JSON.stringify(url)} is not an https URL (e.g. "https://pypi.org/simple/"): letters, digits and URL punctuation only, no quotes, spaces or "$"`);
  }
  return url;
}

/**
 * A Job, wired exactly as `MergedCaInitContainer` wires the namespace's workloads (the `wiring`
 * given), that connects to the endpoints you name with every TLS client its image has and exits
 * non-zero with a readable report when the org CA is not trusted. A plain Job, an Argo CD
 * `PostSync` hook or a Helm test (`hook`). The script is in the Job's spec.
 */
export class TrustVerificationJob extends Construct {
  /** The Job. */
  public readonly job: ApiObject;

  constructor(scope: Construct, id: string, props: TrustVerificationJobProps) {
    super(scope, id);
    if (!Array.isArray(props.orgUrls) || props.orgUrls.length === 0) {
      throw new Error('TrustVerificationJob orgUrls is empty: name at least one https URL only the org CA vouches for (one the proxy re-signs, or an internal service)');
    }
    const orgUrls = props.orgUrls.map(u => checkUrl('TrustVerificationJob orgUrls:', u));
    const publicUrl = props.publicUrl === undefined ? '' : checkUrl('TrustVerificationJob publicUrl', props.publicUrl);
    const image = checkImage('TrustVerificationJob image', props.image);
    const name = checkDnsLabel('TrustVerificationJob name', props.name ?? 'org-ca-verify');
    if (props.namespace !== undefined) checkDnsLabel('TrustVerificationJob namespace', props.namespace);
    const hook = props.hook ?? VerificationHook.NONE;
    const annotations: Record<string, string> | undefined = hook === VerificationHook.ARGO_CD_POST_SYNC
      ? { 'argocd.argoproj.io/hook': 'PostSync', 'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation' }
      : hook === VerificationHook.HELM_TEST
        ? { 'helm.sh/hook': 'test', 'helm.sh/hook-delete-policy': 'before-hook-creation' }
        : undefined;
    const overlay = props.wiring?.systemBundleOverlay ? 'overlay' : 'no-overlay';
    this.job = new ApiObject(this, 'job', {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name,
        ...(props.namespace !== undefined ? { namespace: props.namespace } : {}),
        labels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/managed-by': 'cdk8s-org-ca' },
        ...(annotations ? { annotations } : {}),
      },
      spec: {
        backoffLimit: 0,
        activeDeadlineSeconds: 600,
        template: {
          metadata: { labels: { 'app.kubernetes.io/name': name } },
          spec: {
            restartPolicy: 'Never',
            automountServiceAccountToken: false,
            securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [{
              name: 'verify',
              image,
              command: ['/bin/sh', '-c', VERIFY_SCRIPT, 'org-ca-verify', overlay, publicUrl, ...orgUrls],
              env: [{ name: 'HOME', value: '/tmp' }],
              resources: { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '50m', memory: '64Mi' } },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            }],
            volumes: [{ name: 'tmp', emptyDir: {} }],
          },
        },
      },
    });
    MergedCaInitContainer.addTo(this.job, props.bundle, props.wiring);
  }
}
