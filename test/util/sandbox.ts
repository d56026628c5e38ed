/* Runs a command as a container would: in its own mount namespace (unshare -m), over an overlay of
 * this machine's root filesystem standing in for the image, with volumes bind-mounted where the
 * manifest says, as a given non-root user (setpriv), optionally with a read-only root. Every mount
 * lives in the namespace and disappears with the process; the work dir is removed by cleanup().
 */
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { reportSkip } from './tools';
import { SYSTEM_BUNDLE_CANDIDATES } from '../../src/pod/init-scripts';

/** Why this machine cannot run sandboxes, or undefined when it can. */
export function sandboxUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root (unshare -m, mount and chroot need root)';
  for (const tool of ['unshare', 'chroot', 'setpriv', 'mount']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      return `${tool} is not installed`;
    }
  }
  try {
    execFileSync('unshare', ['-m', '--propagation', 'private', 'true'], { stdio: 'ignore' });
  } catch (e) {
    return `unshare -m failed: ${(e as Error).message}`;
  }
  return undefined;
}

/**
 * Skips (outside CI, with the reason printed) or fails (in CI) when sandboxes cannot run.
 * Returns true when the suite may run.
 */
export function requireSandbox(what: string): boolean {
  const why = sandboxUnavailable();
  if (!why) return true;
  if (process.env.CI) {
    throw new Error(`${what} must run in CI but cannot: ${why}`);
  }
  reportSkip(`${what}: ${why}`);
  return false;
}

/** Where an image keeps its system bundle, and which shell is /bin/sh. */
export interface ImageLayout {
  readonly name: string;
  /** Absolute paths that hold the system bundle in this image (empty: no system bundle). */
  readonly systemBundlePaths: string[];
  /** /bin/sh: dash (Debian) or busybox (Alpine). */
  readonly shell: 'dash' | 'busybox';
}

export const LAYOUTS: Record<string, ImageLayout> = {
  debian: { name: 'debian', systemBundlePaths: ['/etc/ssl/certs/ca-certificates.crt'], shell: 'dash' },
  rhel: { name: 'rhel', systemBundlePaths: ['/etc/pki/tls/certs/ca-bundle.crt'], shell: 'dash' },
  rhel9: { name: 'rhel9', systemBundlePaths: ['/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem', '/etc/pki/tls/certs/ca-bundle.crt'], shell: 'dash' },
  alpine: { name: 'alpine', systemBundlePaths: ['/etc/ssl/cert.pem'], shell: 'busybox' },
  opensuse: { name: 'opensuse', systemBundlePaths: ['/var/lib/ca-certificates/ca-bundle.pem'], shell: 'dash' },
  none: { name: 'none', systemBundlePaths: [], shell: 'dash' },
};

export interface Mount {
  readonly hostPath: string;
  readonly containerPath: string;
  readonly readOnly?: boolean;
}

export interface RunOptions {
  readonly layout: ImageLayout;
  /** content of the image's system bundle */
  readonly systemPem: string;
  /** override the bytes of the system bundle (e.g. to drop the final newline) */
  readonly mounts?: Mount[];
  readonly uid?: number;
  readonly gid?: number;
  readonly readOnlyRoot?: boolean;
  readonly env?: Record<string, string>;
  /** Paths (shell globs) removed from the image, e.g. its JVM. @default none */
  readonly removePaths?: string[];
  readonly argv: string[];
  readonly timeoutMs?: number;
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const BASE = fs.mkdtempSync(path.join(os.tmpdir(), 'org-ca-sbx-'));
let counter = 0;

function q(s: string): string {
  return `'${s.replace(/'/g, '\'\\\'\'')}'`;
}

/** Runs argv inside a fresh image sandbox. */
export function runInImage(o: RunOptions): Promise<RunResult> {
  const w = path.join(BASE, `run-${++counter}`);
  fs.mkdirSync(w, { recursive: true });
  const root = path.join(w, 'root');
  fs.writeFileSync(path.join(w, 'system.pem'), o.systemPem);
  const lines: string[] = [
    'set -e',
    `W=${q(w)}; R=${q(root)}`,
    'mkdir -p "$W/upper" "$W/work" "$R"',
    'mount -t overlay overlay -o "lowerdir=/,upperdir=$W/upper,workdir=$W/work" "$R"',
    // the image's system bundle: remove every standard location, then lay out this family's
    ...SYSTEM_BUNDLE_CANDIDATES.map(p => `rm -f "$R"${q(p)}`),
    ...o.layout.systemBundlePaths.flatMap(p => [`mkdir -p "$R"${q(path.posix.dirname(p))}`, `cp "$W/system.pem" "$R"${q(p)}`, `chmod 0644 "$R"${q(p)}`]),
  ];
  for (const p of o.removePaths ?? []) lines.push(`rm -rf "$R"${p.replace(/[^-A-Za-z0-9_./*]/g, '')}`);
  if (o.layout.shell === 'busybox') {
    lines.push('rm -f "$R/bin/sh"', 'cp "$(command -v busybox)" "$R/bin/busybox"', 'ln -s busybox "$R/bin/sh"');
  } else {
    lines.push('rm -f "$R/bin/sh"', 'ln -s dash "$R/bin/sh"');
  }
  for (const m of o.mounts ?? []) {
    // resolve symlinks inside the image (/var/run -> /run), never on the host; a file (a subPath
    // mount of a file) is bound onto a file, created empty where the image has none, as runc does
    const file = fs.statSync(m.hostPath).isFile();
    const target = file ? 'mkdir -p "$(dirname "$R$P")" && { [ -e "$R$P" ] || : > "$R$P"; }' : 'mkdir -p "$R$P"';
    lines.push(`P=$(chroot "$R" /usr/bin/realpath -m ${q(m.containerPath)})`, target, `mount --bind ${q(m.hostPath)} "$R$P"`);
    if (m.readOnly) lines.push('mount -o remount,bind,ro "$R$P"');
  }
  lines.push('mount --rbind /dev "$R/dev"', 'mount -t proc proc "$R/proc"', 'mount -t tmpfs tmpfs "$R/tmp"');
  if (o.readOnlyRoot) lines.push('mount -o remount,ro "$R"');
  const uid = o.uid ?? 65534;
  const gid = o.gid ?? uid;
  const env = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/tmp', ...(o.env ?? {}) };
  const envArgs = Object.entries(env).map(([k, v]) => q(`${k}=${v}`)).join(' ');
  lines.push(`exec chroot "$R" /usr/bin/setpriv --reuid=${uid} --regid=${gid} --clear-groups -- /usr/bin/env -i ${envArgs} ${o.argv.map(q).join(' ')}`);
  fs.writeFileSync(path.join(w, 'setup.sh'), lines.join('\n') + '\n');
  return new Promise(resolve => {
    execFile('unshare', ['-m', '--propagation', 'private', '/bin/sh', path.join(w, 'setup.sh')], { timeout: o.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as any).code === 'number' ? (err as any).code : 124) : 0;
      // the overlay upper dir keeps the work files; drop it (mounts are gone with the namespace)
      fs.rmSync(w, { recursive: true, force: true });
      resolve({ code, stdout, stderr: stderr + (err && (err as any).killed ? `\n[killed after ${o.timeoutMs ?? 60_000} ms]` : '') });
    });
  });
}

/** A host directory the test owns (a volume), world-writable like an emptyDir. */
export function hostDir(name: string): string {
  const d = path.join(BASE, `${name}-${++counter}`);
  fs.mkdirSync(d, { recursive: true, mode: 0o777 });
  fs.chmodSync(d, 0o777);
  return d;
}

export function cleanupSandboxes() {
  fs.rmSync(BASE, { recursive: true, force: true });
}
