/**
 * The shell scripts of the init containers, run from the pod spec: `sh -c SCRIPT NAME ARGS…`.
 * POSIX sh only (dash, busybox ash, bash): no arrays, `local`, `[[` or process substitution, and
 * no awk, sed or grep, which minimal images may lack. Paths are arguments, so the script text
 * never changes with them.
 */

/**
 * Where images keep their system CA bundle, most common first. No path holds a space.
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
 * Where JVMs keep their default trust store (`cacerts`) outside `$JAVA_HOME`, or inside it where
 * an image family fixes `$JAVA_HOME`: Debian and Ubuntu (`ca-certificates-java`; each JDK's
 * `lib/security/cacerts` links here), RHEL, UBI, Fedora and Amazon Linux (`p11-kit`'s extract and
 * its compat link), and the Eclipse Temurin images (`/opt/java/openjdk`). No path holds a space.
 * @internal
 */
export const JAVA_CACERTS_CANDIDATES = [
  '/etc/ssl/certs/java/cacerts', // Debian, Ubuntu
  '/etc/pki/ca-trust/extracted/java/cacerts', // RHEL, UBI, Fedora, CentOS, Amazon Linux
  '/etc/pki/java/cacerts', // RHEL family (compat link)
  '/opt/java/openjdk/lib/security/cacerts', // eclipse-temurin images
];

/**
 * The certificate filter, shared by both scripts: `scan FILE` reads FILE once (one `cat`, split into
 * lines by the shell, which the prelude sets to split at newlines only) and finds its well-formed certificate blocks; `print_kept` then prints them,
 * and only them, to stdout. Time is linear in the file's size: nothing is rebuilt per line.
 *
 * A block is kept when it is a `-----BEGIN CERTIFICATE-----` line, base64 lines and an
 * `-----END CERTIFICATE-----` line, and its base64 is one DER SEQUENCE exactly as long as its
 * header says (`whole`): one- or two-byte DER lengths, 128 bytes to 64 KiB, which synth-time
 * validation enforces too. Anything else (a stray line, a block cut short, a line lost in the
 * middle, a BEGIN with no END) is dropped and counted. A CR line end is accepted; empty lines are
 * ignored. Sets `kept` and `dropped`.
 * @internal
 */
export const CERTIFICATE_FILTER = `digits=ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/
whole() { # is the block (base64 of $size characters, first line $head) one whole DER SEQUENCE?
  case $head in MI????*) ;; *) return 1 ;; esac
  rest=\${head#MI} bits=0
  for i in 1 2 3 4; do
    digit=\${rest%"\${rest#?}"} rest=\${rest#?} before=\${digits%%"$digit"*}
    bits=$((bits << 6 | \${#before}))
  done
  case $((bits >> 20)) in
    1) length=$(((bits >> 12 & 255) + 3)) ;;
    2) length=$(((bits >> 4 & 65535) + 4)) ;;
    *) return 1 ;;
  esac
  [ $(((length + 2) / 3 * 4)) = $size ]
}
scan() { # the first and last line number of each whole block, in $blocks
  text=$(cat "$1") line_no=0 begin=0 blocks= kept=0 dropped=0
  for line in $text; do
    line_no=$((line_no + 1))
    line=\${line%[!A-Za-z0-9+/=-]}
    case $line in
      '-----BEGIN CERTIFICATE-----') [ $begin = 0 ] || dropped=$((dropped + 1)); begin=$line_no size=0 head= ;;
      '-----END CERTIFICATE-----')
        if [ $begin = 0 ]; then :
        elif [ $size -gt 0 ] && whole; then kept=$((kept + 1)) blocks="$blocks$begin $line_no "
        else dropped=$((dropped + 1)); fi
        begin=0 ;;
      *[!A-Za-z0-9+/=]*) [ $begin = 0 ] || dropped=$((dropped + 1)); begin=0 ;;
      *) [ $begin = 0 ] || { size=$((size + \${#line})); [ "$head" ] || head=$line; } ;;
    esac
  done
  [ $begin = 0 ] || dropped=$((dropped + 1))
}
print_kept() {
  line_no=0 last=0 rest=$blocks
  for line in $text; do
    line_no=$((line_no + 1))
    if [ $line_no -gt $last ]; then
      [ "$rest" ] || break
      first=\${rest%% *} rest=\${rest#* } last=\${rest%% *} rest=\${rest#* }
    fi
    [ $line_no -lt $first ] || printf '%s\\n' "\${line%[!A-Za-z0-9+/=-]}"
  done
}`;


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

/** Word splitting at newlines only and no globbing; messages on stderr, prefixed with the script's name; `fail` removes the partial output. */
const PRELUDE = `set -f; IFS='
' # split at newlines only, never glob
say() { echo "$0: $1" >&2; }
fail() { say "$1"; rm -rf "$out" \${work-}; exit 1; }`;

/**
 * The merge: `sh -c MERGE_SCRIPT merge-ca-bundle ORG_CA_FILE MERGED_FILE [fail]`.
 *
 * Writes the image's own system bundle (found among SYSTEM_BUNDLE_CANDIDATES, copied as it is)
 * followed by the certificates CERTIFICATE_FILTER keeps from the org CA file, in place: no
 * container reads the file before the init containers have finished, and a failed write removes it
 * and fails the init container, so a half bundle is never used. Forks only for `cat` (the system
 * bundle, the org CA file). Prints one line saying what it used; a dropped block, a missing system
 * bundle and an org file with no valid certificate are warnings on stderr. With `fail` as the third
 * argument, an org file with no valid certificate fails the init container instead. (The first
 * write is `true >"$out"`, not `: >"$out"`: a failed redirection on the special built-in `:` exits
 * a POSIX shell before it can say why.)
 * @internal
 */
export const MERGE_SCRIPT = `org=$1 out=$2 on_invalid=$3 system=
${PRELUDE}
${CERTIFICATE_FILTER}
umask 022
for f in ${SYSTEM_BUNDLE_CANDIDATES.join(' ')}; do
  [ -r $f ] && [ -s $f ] && system=$f && break
done
{ true >"$out"; } 2>/dev/null || fail "cannot write $out (is the merged volume mounted and writable?)"
if [ "$system" ]; then
  { cat $system; echo; } >>"$out" || fail "cannot write $out"
  used="system bundle $system"
else
  used="no system bundle found"
  say "warning: no system CA bundle in this image: only the org CA is trusted, public TLS calls will fail; use an image with one (e.g. ca-certificates)"
fi
if [ -r "$org" ] && [ -s "$org" ]; then
  scan "$org"
  print_kept >>"$out" || fail "cannot write $out"
  used="$used + org CA $org ($kept certificate(s) kept, $dropped malformed block(s) dropped)"
  [ $dropped = 0 ] || say "warning: dropped $dropped malformed block(s) of $org"
  if [ $kept = 0 ]; then
    [ "$on_invalid" = fail ] && fail "$org holds no valid certificate; failing (onInvalidBundle: FAIL)"
    say "warning: $org holds no valid certificate: the org CA is NOT trusted, using the system bundle only"
  fi
else
  used="$used + no org CA (optional ConfigMap missing: $org)"
fi
echo "$0: wrote $out from $used"`;

/**
 * Builds a JVM trust store: a copy of the image's own `cacerts` with every certificate
 * CERTIFICATE_FILTER keeps from the org CA file imported (`keytool`), written to OUT.
 * `sh -c SCRIPT merge-ca-truststore ORG_CA_FILE OUT PASSWORD [JKS JKS_PASSWORD [fail]]`.
 * With a JKS of the org certificates (written by the library at synth time), one
 * `keytool -importkeystore` imports them all: one JVM start per pod. Without it (or if it does not
 * import), each certificate is imported by its own keytool run. No valid certificate keeps the
 * JVM's own roots (with a warning), or fails with `fail`. A chart-wide Java option must not stop a
 * pod that is not Java: with no keytool and no JVM it writes an empty file (so the cacerts
 * overlay mounts a file, never a directory) and exits 0 with a warning;
 * with a JVM but no keytool it writes the JVM's own cacerts, loudly.
 * @internal
 */
export const KEYTOOL_SCRIPT = `set -u
org=$1 out=$2 pass=$3 jks=\${4-} jks_pass=\${5-} on_invalid=\${6-}
tmp="$out.tmp.$$" work="$out.d.$$"
${PRELUDE}
${CERTIFICATE_FILTER}
# the JVM: JAVA_HOME, else where keytool or java lives; its cacerts, else the distribution's
java_home=\${JAVA_HOME:-}
bin=$(command -v keytool 2>/dev/null || command -v java 2>/dev/null || true)
if [ -z "$java_home" ] && [ -n "$bin" ]; then
  bin=$(readlink -f "$bin" 2>/dev/null || echo "$bin")
  java_home=\${bin%/bin/*}
fi
cacerts=
for f in "$java_home/lib/security/cacerts" "$java_home/jre/lib/security/cacerts" ${JAVA_CACERTS_CANDIDATES.join(' ')}; do
  if [ -r "$f" ] && [ -s "$f" ]; then cacerts=$f; break; fi
done
if ! command -v keytool >/dev/null 2>&1; then
  if [ -z "$cacerts" ]; then
    # an empty file, so a cacerts overlay mounts a file (as it does on a Java image), never a directory
    { true >"$out"; } 2>/dev/null || fail "cannot write $out"
    say "warning: no keytool and no JVM in this image: the Java trust store $out is empty (JAVA_TOOL_OPTIONS has no effect without a JVM)"
    exit 0
  fi
  { cp "$cacerts" "$tmp" && chmod 0644 "$tmp" && mv -f "$tmp" "$out"; } || { rm -f "$tmp"; fail "cannot write $out"; }
  say "warning: no keytool in this image: $out is the JVM's own cacerts ($cacerts) WITHOUT the org CA, so Java does NOT trust it; use a JDK image for the import, or JavaTrust.trustManagerPkcs12()"
  exit 0
fi
out_final=$out out=$tmp
rm -rf "$tmp" "$work"; mkdir -p "$work" || fail "cannot write $work"
if [ -n "$cacerts" ]; then
  cp "$cacerts" "$tmp" || fail "cannot write $tmp"
  used="JVM cacerts $cacerts"
else
  used="no JVM cacerts found (new store)"
fi
kept=0 dropped=0
if [ -r "$org" ] && [ -s "$org" ]; then
  scan "$org"
  # one file per certificate, for the one-by-one import
  count=0
  for line in $(print_kept); do
    case $line in '-----BEGIN CERTIFICATE-----') count=$((count + 1)) ;; esac
    printf '%s\n' "$line" >>"$work/$count.pem" || fail "cannot write $work"
  done
  [ "$dropped" = 0 ] || say "warning: dropped $dropped malformed block(s) of $org"
  if [ "$kept" = 0 ]; then
    [ "$on_invalid" = fail ] && fail "$org holds no valid certificate; failing (onInvalidBundle: FAIL)"
    say "warning: $org holds no valid certificate: the org CA is NOT trusted, keeping the JVM roots only"
  fi
fi
runs=0 next=1
if [ "$kept" -gt 0 ] && [ -n "$jks" ] && [ -r "$jks" ] && [ -s "$jks" ]; then
  if keytool -importkeystore -noprompt -srckeystore "$jks" -srcstoretype JKS -srcstorepass "$jks_pass" -destkeystore "$tmp" -deststorepass "$pass" >/dev/null 2>"$work/err"; then
    runs=1 next=$((kept + 1))
  else
    say "warning: could not import $jks ($(tail -n 1 "$work/err")); importing the PEM certificates one by one"
  fi
fi
while [ "$next" -le "$kept" ]; do
  if ! keytool -importcert -noprompt -alias "org-ca-$next" -file "$work/$next.pem" -keystore "$tmp" -storepass "$pass" >/dev/null 2>"$work/err"; then
    cat "$work/err" >&2
    fail "keytool could not import certificate $next of $org"
  fi
  next=$((next + 1)) runs=$((runs + 1))
done
rm -rf "$work"; work=
chmod 0644 "$tmp" 2>/dev/null
mv -f "$tmp" "$out_final" || fail "cannot write $out_final"
echo "$0: wrote $out_final from $used + $kept org CA certificate(s) ($dropped malformed block(s) dropped, $runs keytool run(s))"`;
