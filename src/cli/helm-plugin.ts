/**
 * `cdk8s-org-ca helm-plugin DIR [wire options]`: a Helm post-renderer that runs this installed
 * command, never a bare `npx` (which outside the project resolves the name on the public registry).
 *
 * DIR gets two files:
 * - `plugin.yaml`: a Helm 4 plugin of `type: postrenderer/v1` (`runtime: subprocess`), with only
 *   the fields Helm 4 decodes strictly (`apiVersion`, `name`, `version`, `type`, `runtime`,
 *   `runtimeConfig.platformCommand`); Helm 4 runs `${HELM_PLUGIN_DIR}/post-render` with the
 *   rendered stream (hooks included) on stdin and appends `--post-renderer-args`;
 * - `post-render`: the executable, `exec NODE MAIN wire OPTIONS "$@" -`, with the absolute paths of
 *   this Node and this command and every option shell-quoted; Helm 3 runs it by path.
 * @internal
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Helm 4's rule for plugin names (internal/plugin/metadata_v1.go). */
const PLUGIN_NAME = /^[A-Za-z0-9_-]+$/;

/** The package version: the plugin's `version` (semver, as Helm requires). */
export function packageVersion(): string {
  try {
    return JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** A word for `sh`: single-quoted, a single quote written as '\''. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, '\'\\\'\'')}'`;
}

export interface HelmPluginFiles {
  readonly pluginYaml: string;
  readonly script: string;
}

/**
 * The plugin's two files. `wireArgs` are the `wire` options (already validated), `main` the
 * command's own script, `node` the Node that runs it.
 */
export function helmPluginFiles(name: string, wireArgs: string[], main: string, node: string): HelmPluginFiles {
  if (!PLUGIN_NAME.test(name)) {
    throw new Error(`--plugin-name "${name}" is not a Helm plugin name (letters, digits, "_" and "-" only)`);
  }
  const version = packageVersion();
  const pluginYaml = [
    '# A Helm 4 post-renderer plugin written by `cdk8s-org-ca helm-plugin`: helm install|upgrade|template',
    `# --post-renderer ${name} [--post-renderer-args ARG]...`,
    'apiVersion: v1',
    `name: ${name}`,
    `version: ${JSON.stringify(version)}`,
    'type: postrenderer/v1',
    'runtime: subprocess',
    'runtimeConfig:',
    '  platformCommand:',
    '    - command: ${HELM_PLUGIN_DIR}/post-render',
    '',
  ].join('\n');
  const script = [
    '#!/bin/sh',
    `# Written by \`cdk8s-org-ca helm-plugin\` (cdk8s-org-ca ${version}). Wires the manifests on stdin:`,
    `# Helm 4 runs it as the plugin "${name}" (--post-renderer ${name}), Helm 3 by path`,
    '# (--post-renderer /path/to/post-render). Arguments are added to the wire options.',
    `exec ${[node, main, 'wire', ...wireArgs].map(shellQuote).join(' ')} "$@" -`,
    '',
  ].join('\n');
  return { pluginYaml, script };
}

/** Writes the plugin into `dir` (created if missing); returns the files written. */
export function writeHelmPlugin(dir: string, files: HelmPluginFiles): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const yamlFile = path.join(dir, 'plugin.yaml');
  const scriptFile = path.join(dir, 'post-render');
  fs.writeFileSync(yamlFile, files.pluginYaml);
  fs.writeFileSync(scriptFile, files.script, { mode: 0o755 });
  fs.chmodSync(scriptFile, 0o755);
  return [yamlFile, scriptFile];
}
