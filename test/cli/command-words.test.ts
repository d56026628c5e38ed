/* The command's messages name its own flags, never the library's option names. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { run } from '../../src/cli/main';
import { inCommandWords } from '../../src/cli/words';
import { makeCa } from '../util/certs';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'org-ca-words-'));
const CA = path.join(dir, 'org-ca.pem');
fs.writeFileSync(CA, makeCa('words-ca').certPem);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function cmd(args: string[], input = '') {
  let stdout = '';
  const errs: string[] = [];
  const code = run(args, () => input, s => { stdout += s; }, l => errs.push(l));
  return { code, stdout, stderr: errs.join('\n') };
}

const LIBRARY_NAMES = /\b(skipVariables|podTemplates|allowBeta|useDefaultCAs|allowWeakKeys|failOnUnknownKinds|onInvalidBundle|kubernetesVersion|trustManager|WiringMode|JavaTrust|wireAll)\b/;
const ROLLOUT = 'apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r}\nspec:\n  template:\n    spec:\n      containers: [{name: c, image: i}]\n';

test.each([
  ['a conflicting variable', ['wire', '--ca', CA, '-'], 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: i, env: [{name: SSL_CERT_FILE, value: /mine}]}]\n', /or pass --skip-variables SSL_CERT_FILE to keep it/],
  ['an unknown kind with a pod template, with --fail-on-unknown-kinds', ['wire', '--ca', CA, '--fail-on-unknown-kinds', '-'], ROLLOUT, /Pass --pod-template argoproj\.io\/v1alpha1\/Rollout=\/spec\/template/],
  ['a beta ClusterTrustBundle', ['wire', '--ca', CA, '--ctb', '1.34', '-'], ROLLOUT, /pass --allow-beta/],
  ['direct mode without public roots', ['wire', '--ca', CA, '--mode', 'direct', '-'], ROLLOUT, /pass --use-default-cas/],
  ['direct mode with a Java keytool import', ['wire', '--ca', CA, '--mode', 'direct', '--use-default-cas', '--java', 'keytool', '-'], ROLLOUT, /--mode direct has no init container, so --java keytool cannot run; use --java pkcs12 \(with --use-default-cas\) or --mode merge/],
])('%s: the fix names the command\'s flag', (_name, args, input, message) => {
  const r = cmd(args, input);
  expect(r.code).toBe(1);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(LIBRARY_NAMES);
});

test('a warning (an unknown kind that looks like a workload) is in the command\'s words, on its stderr', () => {
  const r = cmd(['wire', '--ca', CA, '-'], ROLLOUT);
  expect(r.code).toBe(0);
  expect(r.stderr).toMatch(/Pass --pod-template argoproj\.io\/v1alpha1\/Rollout=\/spec\/template/);
  expect(r.stderr).not.toMatch(LIBRARY_NAMES);
});

test('the rewrite leaves other text alone', () => {
  expect(inCommandWords('document #1 (Pod p): nothing to fix')).toBe('document #1 (Pod p): nothing to fix');
});
