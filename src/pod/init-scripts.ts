
/**
 * The shell run by the merge init container. POSIX sh only (dash, busybox ash, bash): no arrays,
 * no `local`, no `[[`, no process substitution; the candidate paths contain no spaces. Arguments are positional so the script text never
 * changes with paths: `sh -c SCRIPT merge-ca-bundle ORG_CA_FILE MERGED_FILE`.
 *
 * - finds the image's own system bundle among the standard locations;
 * - tolerates a missing org CA (optional ConfigMap) and a missing system bundle;
 * - separates files with a newline, so a file without a final newline cannot glue two PEM lines;
 * - writes the target in place: no container reads it until the init containers have finished, and a
 *   failed write removes it and fails the init container, so a half bundle is never used;
 * - forks only for `cat` (the system bundle, the org CA file): no `mv`, `chmod` (umask 022) or
 *   subshell, so it starts in a few milliseconds;
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
 * Copies the well-formed certificate blocks of the org CA file `$1` to the end of `$o`, using only
 * shell built-ins (`case`, `printf`, parameter expansion, arithmetic; no awk, sed or grep, which
 * minimal images may lack) and one `cat`: the file is split into lines by the shell (`IFS` a
 * newline), not read a byte per system call, and nothing forks per certificate. A block is kept when it is a `-----BEGIN CERTIFICATE-----` line, base64 lines, and an
 * `-----END CERTIFICATE-----` line, and its base64 is a DER SEQUENCE with a two-byte length
 * (`MI[IJKL]…`, every certificate from 256 bytes to 16 KiB) exactly as long as its header states;
 * anything else (a stray line, a block cut short, a line lost in the middle, a BEGIN with no END)
 * is dropped and counted. Each kept block is handed to `w` (in $b: BEGIN and body, $l: END, $k: its
 * number). Sets k (kept) and d (dropped). CR line ends (any one trailing character outside the
 * base64 alphabet) are accepted; empty lines are ignored.
 * @internal
 */
export const VALID_BLOCKS = [
  'k=0;d=0;b=;n=0;A=ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/',
  'v(){ x=${A%%"$1"*};V=${#x};}',
  'c(){ [ $((n%4)) = 0 ]||return 1;case $h in MI[IJKL]*);;*)return 1;;esac',
  ' t=${h#??};p=${t%"${t#?}"};t=${t#?};q=${t%"${t#?}"};t=${t#?};y=${t%"${t#?}"};t=${t#?};z=${t%"${t#?}"}',
  ' v $p;L=$((V%4*64));v $q;L=$(((L+V)*256));v $y;L=$((L+V*4));v $z;L=$((L+V/16+4));[ $(((L+2)/3*4)) = $n ];}',
  'set -f;IFS=\'',
  '\';for l in $(cat "$1");do',
  ' case $l in *[!A-Za-z0-9+/=-])l=${l%?};;esac',
  ' case $l in',
  ' "-----BEGIN CERTIFICATE-----")[ "$b" ]&&d=$((d+1));b=$l;n=0;h=;;',
  ' "-----END CERTIFICATE-----")if [ "$b" ]&&[ $n -gt 0 ]&&c;then k=$((k+1));w;elif [ "$b" ];then d=$((d+1));fi;b=;;',
  ' *)if [ "$b" ];then case $l in *[!A-Za-z0-9+/=]*)d=$((d+1));b=;;*)b="$b',
  '$l";[ "$h" ]||h=$l;n=$((n+${#l}));;esac;fi;;',
  ' esac',
  'done;unset IFS;set +f;[ "$b" ]&&d=$((d+1))',
].join('\n');

/** The default merged directory and file name. @internal */
export const MERGE_DEFAULTS = {
  mergedDir: '/etc/org-ca',
  mergedFileName: 'bundle.pem',
} as const;

/**
 * The command of an init container that runs `script` from the pod spec itself: `sh -c SCRIPT
 * NAME ARGS…` (NAME is `$0`, the name its messages start with). Nothing it runs comes from a
 * namespace object: only the org CA file it reads does, and the script filters that.
 * @internal
 */
export function scriptCommand(script: string, name: string, args: string[]): string[] {
  return ['/bin/sh', '-c', script, name, ...args];
}

/**
 * The merge: `sh -c MERGE_SCRIPT merge-ca-bundle ORG_CA_FILE MERGED_FILE [fail]`.
 *
 * The system bundle is copied as it is (the image's own, trusted); the org CA file is filtered by
 * VALID_BLOCKS. What it kept and dropped is printed; a dropped block is a warning on stderr. When
 * the org file is there but holds no valid certificate, the pod still starts with the system
 * bundle and says so on stderr, or, with `fail` as the third argument, the init container exits 1.
 * `e` reports a failed write, removes the partial file and exits 1.
 * @internal
 */
export const MERGE_SCRIPT = [
  'o=$2;s=;umask 022',
  `for f in ${SYSTEM_BUNDLE_CANDIDATES.join(' ')};do [ -r $f ]&&[ -s $f ]&&s=$f&&break;done`,
  'e(){ echo "merge-ca-bundle: cannot write $o${1-}">&2;rm -f "$o";exit 1;}',
  '{ true>"$o";} 2>/dev/null||e " (is the merged volume mounted and writable?)"',
  'u="no system bundle found";if [ "$s" ];then { cat $s;echo;}>>"$o"||e;u="system bundle $s"',
  'else echo "merge-ca-bundle: warning: this image has no system CA bundle: only the org CA is trusted, public TLS calls will fail; use an image with one (e.g. with ca-certificates)">&2;fi',
  'if [ -r "$1" ]&&[ -s "$1" ];then',
  'w(){ printf \'%s\\n%s\\n\' "$b" "$l">>"$o"||e;}',
  VALID_BLOCKS,
  'u="$u + org CA $1 ($k certificate(s) kept, $d malformed block(s) dropped)"',
  '[ $d = 0 ]||echo "merge-ca-bundle: warning: dropped $d malformed block(s) of $1">&2',
  'if [ $k = 0 ];then [ "${3-}" = fail ]&&{ echo "merge-ca-bundle: $1 holds no valid certificate; failing (onInvalidBundle: FAIL)">&2;rm -f "$o";exit 1;}',
  'echo "merge-ca-bundle: warning: $1 holds no valid certificate: the org CA is NOT trusted, using the system bundle only">&2;fi',
  'else u="$u + no org CA (optional ConfigMap missing: $1)";fi',
  'echo "merge-ca-bundle: wrote $2 from $u"',
].join('\n');

/**
 * Builds a JVM trust store: a copy of the image's own `cacerts` with every well-formed org CA
 * certificate imported (`keytool`), written to `$2`.
 * `sh -c SCRIPT merge-ca-truststore ORG_CA_FILE OUT PASSWORD [JKS JKS_PASSWORD [fail]]`.
 * With a JKS of the org certificates (written by the library at synth time), one
 * `keytool -importkeystore` imports them all: one JVM start per pod. Without it (or if it does not
 * import), each PEM certificate is imported by its own keytool run. The org file is filtered by
 * VALID_BLOCKS as in the merge: malformed blocks are dropped with a warning; no valid certificate
 * keeps the JVM's own roots (with a warning), or fails with `fail`.
 *
 * @internal
 */
export const KEYTOOL_SCRIPT = [
  'set -u',
  'org="$1"; out="$2"; pass="$3"; jks="${4-}"; jp="${5-}"; fl="${6-}"; tmp="$out.tmp.$$"; work="$out.d.$$"',
  'e(){ echo "merge-ca-truststore: cannot write $work" >&2; rm -rf "$tmp" "$work"; exit 1; }',
  '# the JVM: JAVA_HOME, else where keytool or java lives; its cacerts, else the distribution\'s',
  'jh="${JAVA_HOME:-}"',
  'bin=$(command -v keytool 2>/dev/null || command -v java 2>/dev/null || true)',
  'if [ -z "$jh" ] && [ -n "$bin" ]; then bin=$(readlink -f "$bin" 2>/dev/null || echo "$bin"); jh="${bin%/bin/*}"; fi',
  'src=""',
  'for f in "$jh/lib/security/cacerts" "$jh/jre/lib/security/cacerts" /etc/ssl/certs/java/cacerts /etc/pki/ca-trust/extracted/java/cacerts /etc/pki/java/cacerts; do',
  '  if [ -r "$f" ] && [ -s "$f" ]; then src="$f"; break; fi',
  'done',
  '# a chart-wide Java option must not stop a pod that is not Java, nor a JVM image without keytool',
  'if ! command -v keytool >/dev/null 2>&1; then',
  '  if [ -z "$src" ]; then echo "merge-ca-truststore: warning: no keytool and no JVM in this image: no Java trust store written (JAVA_TOOL_OPTIONS has no effect without a JVM)" >&2; exit 0; fi',
  '  cp "$src" "$tmp" && chmod 0644 "$tmp" && mv -f "$tmp" "$out" || { rm -f "$tmp"; echo "merge-ca-truststore: cannot write $out" >&2; exit 1; }',
  '  echo "merge-ca-truststore: warning: no keytool in this image: $out is the JVM\'s own cacerts ($src) WITHOUT the org CA, so Java does NOT trust it; use a JDK image for the import, or JavaTrust.trustManagerPkcs12()" >&2',
  '  exit 0',
  'fi',
  'rm -rf "$tmp" "$work"; mkdir -p "$work" || e',
  'if [ -n "$src" ]; then cp "$src" "$tmp" || e; used="JVM cacerts $src"; else used="no JVM cacerts found (new store)"; fi',
  'k=0; d=0',
  'if [ -r "$org" ] && [ -s "$org" ]; then',
  'w(){ printf \'%s\\n%s\\n\' "$b" "$l" > "$work/$k.pem" || e; }',
  'set -- "$org"',
  'set +u',
  VALID_BLOCKS,
  'set -u',
  '[ "$d" = 0 ] || echo "merge-ca-truststore: warning: dropped $d malformed block(s) of $org" >&2',
  'if [ "$k" = 0 ]; then',
  '  if [ "$fl" = fail ]; then echo "merge-ca-truststore: $org holds no valid certificate; failing (onInvalidBundle: FAIL)" >&2; rm -rf "$tmp" "$work"; exit 1; fi',
  '  echo "merge-ca-truststore: warning: $org holds no valid certificate: the org CA is NOT trusted, keeping the JVM roots only" >&2',
  'fi',
  'fi',
  'runs=0; i=1',
  'if [ "$k" -gt 0 ] && [ -n "$jks" ] && [ -r "$jks" ] && [ -s "$jks" ]; then',
  '  if keytool -importkeystore -noprompt -srckeystore "$jks" -srcstoretype JKS -srcstorepass "$jp" -destkeystore "$tmp" -deststorepass "$pass" >/dev/null 2>"$work/err"; then runs=1; i=$((k+1))',
  '  else echo "merge-ca-truststore: warning: could not import $jks ($(tail -n 1 "$work/err")); importing the PEM certificates one by one" >&2; fi',
  'fi',
  'while [ "$i" -le "$k" ]; do',
  '  if ! keytool -importcert -noprompt -alias "org-ca-$i" -file "$work/$i.pem" -keystore "$tmp" -storepass "$pass" >/dev/null 2>"$work/err"; then cat "$work/err" >&2; rm -rf "$tmp" "$work"; echo "merge-ca-truststore: keytool could not import certificate $i of $org" >&2; exit 1; fi',
  '  i=$((i+1)); runs=$((runs+1))',
  'done',
  'rm -rf "$work"; chmod 0644 "$tmp" 2>/dev/null',
  'if ! mv -f "$tmp" "$out"; then rm -f "$tmp"; echo "merge-ca-truststore: cannot write $out" >&2; exit 1; fi',
  'echo "merge-ca-truststore: wrote $out from $used + $k org CA certificate(s) ($d malformed block(s) dropped, $runs keytool run(s))"',
].join('\n');
