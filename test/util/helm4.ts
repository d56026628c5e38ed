/* Helm 4 running a post-renderer plugin, as helm/helm v4.2.4 does it (no Helm binary can run on
 * these machines; every step below follows ../shared/schemas/helm4-postrenderer-plugin.md, read
 * from Helm's source):
 * - plugins are found in the $HELM_PLUGINS directories (a path list) by `name` and `type`, not by
 *   directory name; plugin.yaml (apiVersion v1) is decoded strictly: unknown fields fail loading;
 * - `name` matches ^[A-Za-z0-9_-]+$, `version` is semver, a postrenderer/v1 plugin has no config;
 * - the platformCommand entry for this os/arch is chosen; its command is split on spaces and
 *   $VAR/${VAR} expanded over the environment plus HELM_PLUGIN_NAME and HELM_PLUGIN_DIR;
 * - it is run with no shell, the --post-renderer-args appended, the rendered stream on stdin, the
 *   working directory inherited; a non-zero exit or an empty (whitespace-only) stdout is an error. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as YAML from 'yaml';

const TOP = new Set(['apiVersion', 'name', 'type', 'runtime', 'version', 'sourceURL', 'config', 'runtimeConfig']);
const RUNTIME = new Set(['platformCommand', 'platformHooks', 'protocolCommands']);
const COMMAND = new Set(['os', 'arch', 'command', 'args']);
const SEMVER = /^v?\d+(\.\d+){0,2}(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

export interface Helm4Plugin {
  readonly dir: string;
  readonly name: string;
  readonly type: string;
  readonly command: string;
  readonly args: string[];
}

/** plugin.yaml as Helm 4 loads it (strict v1 decoding); throws Helm's kind of error. */
export function loadPlugin(dir: string): Helm4Plugin {
  const file = path.join(dir, 'plugin.yaml');
  const doc = YAML.parseDocument(fs.readFileSync(file, 'utf8'), { uniqueKeys: true });
  if (doc.errors.length) throw new Error(`failed to load plugin at ${file}: ${doc.errors[0].message}`);
  const m = doc.toJS();
  if (!m || typeof m !== 'object') throw new Error(`failed to load plugin at ${file}: not a mapping`);
  if (m.apiVersion === undefined) throw new Error(`${file}: no apiVersion: a legacy (Helm 3) plugin, which cannot be a post-renderer`);
  if (m.apiVersion !== 'v1') throw new Error(`${file}: unsupported apiVersion ${m.apiVersion}`);
  for (const k of Object.keys(m)) if (!TOP.has(k)) throw new Error(`${file}: field ${k} not found in type plugin.MetadataV1`);
  if (typeof m.name !== 'string' || !/^[A-Za-z0-9_-]+$/.test(m.name)) throw new Error(`${file}: invalid plugin name ${m.name}`);
  if (typeof m.version !== 'string' || !SEMVER.test(m.version)) throw new Error(`${file}: invalid plugin version ${m.version}`);
  if (m.runtime !== 'subprocess') throw new Error(`${file}: runtime ${m.runtime} is not subprocess`);
  if (m.type === 'postrenderer/v1' && m.config !== undefined && (typeof m.config !== 'object' || Object.keys(m.config ?? {}).length)) {
    throw new Error(`${file}: a postrenderer/v1 plugin has no config fields`);
  }
  const rc = m.runtimeConfig ?? {};
  for (const k of Object.keys(rc)) if (!RUNTIME.has(k)) throw new Error(`${file}: field ${k} not found in type plugin.RuntimeConfigSubprocess`);
  const commands: any[] = rc.platformCommand ?? [];
  for (const c of commands) for (const k of Object.keys(c)) if (!COMMAND.has(k)) throw new Error(`${file}: field ${k} not found in type plugin.PlatformCommand`);
  const os = process.platform === 'win32' ? 'windows' : process.platform;
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  const chosen = commands.find(c => c.os === os && c.arch === arch)
    ?? commands.find(c => c.os === os && !c.arch)
    ?? commands.find(c => !c.os && !c.arch);
  if (!chosen?.command) throw new Error(`${file}: no platformCommand for ${os}/${arch}`);
  return { dir, name: m.name, type: m.type, command: chosen.command, args: chosen.args ?? [] };
}

/** Finds the plugin `name` of type postrenderer/v1 in $HELM_PLUGINS (a path list of plugin directories' parents). */
export function findPostRenderer(helmPlugins: string, name: string): Helm4Plugin {
  for (const base of helmPlugins.split(path.delimiter).filter(Boolean)) {
    if (!fs.existsSync(base)) continue;
    for (const entry of fs.readdirSync(base)) {
      const dir = path.join(base, entry);
      if (!fs.existsSync(path.join(dir, 'plugin.yaml'))) continue;
      const plugin = loadPlugin(dir);
      if (plugin.name === name && plugin.type === 'postrenderer/v1') return plugin;
    }
  }
  throw new Error(`plugin: {Name:${name} Type:postrenderer/v1} not found`);
}

/** Go's os.Expand: $VAR and ${VAR}, unknown ones empty. */
function expand(s: string, env: Record<string, string | undefined>): string {
  return s.replace(/\$\{([^}]*)\}|\$([A-Za-z0-9_]+)/g, (_m, a, b) => env[a ?? b] ?? '');
}

/** `helm install|upgrade|template --post-renderer NAME --post-renderer-args ARG...` on a rendered stream. */
export function helm4PostRender(o: {
  helmPlugins: string; name: string; render: string; postRendererArgs?: string[]; env?: Record<string, string | undefined>;
}): string {
  const plugin = findPostRenderer(o.helmPlugins, o.name);
  const env: Record<string, string | undefined> = { ...(o.env ?? process.env), HELM_PLUGIN_NAME: plugin.name, HELM_PLUGIN_DIR: plugin.dir };
  const [cmd, ...cmdArgs] = expand(plugin.command, env).split(' ');
  const argv = [...cmdArgs, ...plugin.args.map(a => expand(a, env)), ...(o.postRendererArgs ?? [])];
  const r = spawnSync(cmd, argv, { input: o.render, env: env as NodeJS.ProcessEnv, encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw new Error(`plugin "${plugin.name}" could not start: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`plugin "${plugin.name}" exited with error: ${r.stderr}`);
  if (r.stdout.trim() === '') throw new Error(`post-renderer "${plugin.name}" produced empty output`);
  return r.stdout;
}
