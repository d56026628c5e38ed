/**
 * The library's messages in the command's words: an error that says "pass skipVariables: ["X"]"
 * to a command user names `--skip-variables X` instead. Only the phrases the library's messages use
 * are rewritten; the rest of a message is left as it is.
 * @internal
 */
const PHRASES: Array<[RegExp, string | ((...m: string[]) => string)]> = [
  [/\bskipVariables: \[("[^"]*"(?:, "[^"]*")*)\]/g, (_m, names) => `--skip-variables ${JSON.parse(`[${names}]`).join(',')}`],
  [/\bskipVariables\b/g, '--skip-variables'],
  [/\bPass podTemplates: \[\{ apiVersion: "([^"]*)", kind: "([^"]*)", paths: \[((?:"[^"]*"(?:, )?)*)\] \}\]/g,
    (_m, api, kind, paths) => `Pass --pod-template ${api}/${kind}=${JSON.parse(`[${paths}]`).join(',')}`],
  [/\bwireAll: kinds lists "([^"]*)"/g, '--kind "$1"'],
  [/\bdeclared in podTemplates\b/g, 'declared with --pod-template'],
  [/\bpodTemplates\b/g, '--pod-template'],
  [/\bset allowBeta: true\b/g, 'pass --allow-beta'],
  [/\ballowBeta\b/g, '--allow-beta'],
  [/\bclusterTrustBundle\.kubernetesVersion\b/g, '--ctb'],
  [/\bset clusterTrustBundle: \{ kubernetesVersion: "([^"]*)" \} on it\b/g, 'pass --ctb $1'],
  [/\bclusterTrustBundle:/g, '--ctb:'],
  [/\bset allowWeakKeys: true\b/g, 'pass --allow-weak-keys'],
  [/\bset trustManager\.useDefaultCAs: true on the OrgCaBundle\b/g, 'pass --use-default-cas'],
  [/\bwith useDefaultCAs on the Bundle\b/g, 'with --use-default-cas'],
  [/\buseDefaultCAs\b/g, '--use-default-cas'],
  [/\bfailOnUnknownKinds\b/g, '--fail-on-unknown-kinds'],
  [/\bonInvalidBundle: FAIL\b/g, '--fail-on-invalid-bundle'],
  [/\bopenShift: true\b/g, '--openshift'],
  [/\bWiringMode\.MERGE\b/g, '--mode merge'],
  [/\bWiringMode\.DIRECT\b/g, '--mode direct'],
  [/\bmode DIRECT\b/g, '--mode direct'],
  [/\bJavaTrust\.keytoolImport storePassword\b/g, '--java-password'],
  [/\bJavaTrust\.trustManagerPkcs12 password\b/g, '--java-password'],
  [/\btrustManager\.pkcs12\.password\b/g, '--pkcs12-password'],
  [/\bset trustManager\.pkcs12 \(e\.g\. \{ key: "truststore\.p12" \}\) on the OrgCaBundle\b/g,
    'give the trust-manager Bundle one (--pkcs12-key KEY, and bundle --pkcs12-key KEY; not with --configmap or --ctb)'],
  [/\bmanaged by the java option \(JavaTrust\)/g, 'managed by --java'],
  [/\bJavaTrust\.keytoolImport\(\)/g, '--java keytool'],
  [/\bJavaTrust\.trustManagerPkcs12\(\)/g, '--java pkcs12'],
  [/\bTrustVerificationJob orgUrls( is empty)?:?/g, (_m, empty) => (empty ? '--org-url is missing:' : '--org-url')],
  [/\bTrustVerificationJob publicUrl\b/g, '--public-url'],
  [/\bTrustVerificationJob image\b/g, '--job-image'],
  [/\bTrustVerificationJob name\b/g, '--job-name'],
];

/** `message` with the library's option names replaced by the command's flags. @internal */
export function inCommandWords(message: string): string {
  return PHRASES.reduce((m, [re, to]) => m.replace(re, to as any), message);
}
