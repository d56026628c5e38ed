/**
 * The shell run by the merge init container. POSIX sh only (dash, busybox ash, bash): no arrays,
 * no `local`, no `[[`, no process substitution; the candidate paths contain no spaces. Arguments are positional so the script text never
 * changes with paths: `sh -c SCRIPT merge-ca-bundle ORG_CA_FILE MERGED_FILE`.
 *
 * - finds the image's own system bundle among the standard locations;
 * - tolerates a missing org CA (optional ConfigMap) and a missing system bundle;
 * - separates files with a newline, so a file without a final newline cannot glue two PEM lines;
 * - writes to a temp file next to the target and renames it (readers never see half a bundle);
 * - prints one line saying what it used; fails only when it cannot write the result.
 *
 * @internal
 */
export const SYSTEM_BUNDLE_CANDIDATES = [
  '/etc/ssl/certs/ca-certificates.crt', // Debian, Ubuntu, distroless, Alpine (ca-certificates), Gentoo
  '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem', // RHEL, UBI, Fedora, CentOS, Amazon Linux 2023
  '/etc/pki/tls/certs/ca-bundle.crt', // RHEL family (compat link), Amazon Linux 2
  '/etc/ssl/ca-bundle.pem', // openSUSE, SLES
  '/var/lib/ca-certificates/ca-bundle.pem', // openSUSE, SLES (generated)
  '/etc/ssl/cert.pem', // Alpine (libressl/openssl), macOS-style
];

/**
 * Kept short on purpose: it is inlined into every wired pod, and YAML output is most of the synth
 * cost (see BENCHMARKS.md). `e` reports a failed write, removes the temp file and exits 1.
 * @internal
 */
export const MERGE_SCRIPT = [
  'o="$2.tmp.$$";s=',
  `for f in ${SYSTEM_BUNDLE_CANDIDATES.join(' ')};do [ -r $f ]&&[ -s $f ]&&s=$f&&break;done`,
  'e(){ echo "merge-ca-bundle: cannot write $o${1-}">&2;rm -f "$o";exit 1;}',
  '(:>"$o")2>/dev/null||e " (is the merged volume mounted and writable?)"',
  'u="no system bundle found";if [ "$s" ];then { cat $s;echo;}>>"$o"||e;u="system bundle $s";fi',
  'if [ -r "$1" ]&&[ -s "$1" ];then { cat "$1";echo;}>>"$o"||e;u="$u + org CA $1";else u="$u + no org CA (optional ConfigMap missing: $1)";fi',
  'chmod 644 "$o";mv -f "$o" "$2"||e;echo "merge-ca-bundle: wrote $2 from $u"',
].join('\n');

/**
 * Builds a JVM trust store: a copy of the image's own `cacerts` with every org CA certificate
 * imported (`keytool`), written to `$2`. `sh -c SCRIPT merge-ca-truststore ORG_CA_FILE OUT PASSWORD`.
 * Each certificate of the bundle is imported separately (keytool imports one per call).
 *
 * @internal
 */
export const KEYTOOL_SCRIPT = [
  'set -u',
  'org="$1"; out="$2"; pass="$3"; tmp="$out.tmp.$$"; work="$out.d.$$"',
  'if ! command -v keytool >/dev/null 2>&1; then echo "merge-ca-truststore: no keytool in this image; use a JDK/JRE image or JavaTrust.TRUST_MANAGER_PKCS12" >&2; exit 1; fi',
  'jh="${JAVA_HOME:-}"',
  'if [ -z "$jh" ]; then kt=$(readlink -f "$(command -v keytool)" 2>/dev/null || command -v keytool); jh="${kt%/bin/keytool}"; fi',
  'src=""',
  'for f in "$jh/lib/security/cacerts" "$jh/jre/lib/security/cacerts" /etc/ssl/certs/java/cacerts /etc/pki/ca-trust/extracted/java/cacerts /etc/pki/java/cacerts; do',
  '  if [ -r "$f" ] && [ -s "$f" ]; then src="$f"; break; fi',
  'done',
  'rm -rf "$tmp" "$work"; mkdir -p "$work" || { echo "merge-ca-truststore: cannot write $work" >&2; exit 1; }',
  'if [ -n "$src" ]; then cp "$src" "$tmp" || { echo "merge-ca-truststore: cannot write $tmp" >&2; exit 1; }; used="JVM cacerts $src"; else used="no JVM cacerts found (new store)"; fi',
  'n=0',
  'if [ -r "$org" ] && [ -s "$org" ]; then',
  '  while IFS= read -r line || [ -n "$line" ]; do',
  '    case "$line" in *"-----BEGIN CERTIFICATE-----"*) n=$((n+1)); : > "$work/$n.pem";; esac',
  '    if [ "$n" -gt 0 ]; then printf "%s\\n" "$line" >> "$work/$n.pem"; fi',
  '  done < "$org"',
  'fi',
  'i=1',
  'while [ "$i" -le "$n" ]; do',
  '  if ! keytool -importcert -noprompt -alias "org-ca-$i" -file "$work/$i.pem" -keystore "$tmp" -storepass "$pass" >/dev/null 2>"$work/err"; then cat "$work/err" >&2; rm -rf "$tmp" "$work"; echo "merge-ca-truststore: keytool could not import certificate $i of $org" >&2; exit 1; fi',
  '  i=$((i+1))',
  'done',
  'rm -rf "$work"; chmod 0644 "$tmp" 2>/dev/null',
  'if ! mv -f "$tmp" "$out"; then rm -f "$tmp"; echo "merge-ca-truststore: cannot write $out" >&2; exit 1; fi',
  'echo "merge-ca-truststore: wrote $out from $used + $n org CA certificate(s)"',
].join('\n');
