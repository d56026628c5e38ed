/* The command's messages name its own flags, never the library's option names. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ts from 'typescript';
import * as YAML from 'yaml';
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

describe('every library message the command can show has its words', () => {
  /**
   * Library messages the command never shows, with why: it never calls the API they are about, or
   * never sets the option they name.
   */
  const LIBRARY_ONLY: Array<[RegExp, string]> = [
    [/^wireAll: scope|^CaTrust\.wireAll\(|^wireAll: namespaces \[/, 'CaTrust.wireAll: the command wires manifests, never a construct tree'],
    [/^trustManager\.(key|syncWave|X\.key|pkcs12\.key and)|^ConfigMap name "X" is also the trust-manager Bundle's name/, 'trust-manager options the command never sets (only --bundle-name, --use-default-cas, --pkcs12-key)'],
    [/^no ConfigMap of bundle "X" reaches namespace/, 'the command gives plain ConfigMaps every namespace of its input'],
  ];
  /** Every string and template literal (interpolations as "X") of the code the command runs. */
  function literals(): Array<{ where: string; text: string }> {
    const out: Array<{ where: string; text: string }> = [];
    const root = path.join(__dirname, '..', '..', 'src');
    for (const sub of ['pod', 'bundle', 'util', 'verify']) {
      for (const f of fs.readdirSync(path.join(root, sub)).filter(x => x.endsWith('.ts'))) {
        const file = path.join(root, sub, f);
        const sf = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
        const visit = (n: ts.Node) => {
          let text: string | undefined;
          if (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) text = n.text;
          else if (ts.isTemplateExpression(n)) text = n.head.text + n.templateSpans.map(s => `X${s.literal.text}`).join('');
          if (text !== undefined) out.push({ where: `src/${sub}/${f}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1}`, text });
          ts.forEachChild(n, visit);
        };
        visit(sf);
      }
    }
    return out;
  }

  test('no literal that names a library option comes out of the command\'s rewrite still naming it, but the library-only ones listed with a reason', () => {
    const named = literals().filter(l => LIBRARY_NAMES.test(l.text));
    expect(named.length).toBeGreaterThan(20); // the scan finds the messages
    const untranslated = named.filter(l => LIBRARY_NAMES.test(inCommandWords(l.text)) && !LIBRARY_ONLY.some(([re]) => re.test(l.text)));
    expect(untranslated.map(l => `${l.where}: ${inCommandWords(l.text)}`)).toEqual([]);
    // each exception still matches a message: a stale one is removed
    const unused = LIBRARY_ONLY.filter(([re]) => !named.some(l => re.test(l.text))).map(([re, why]) => `${re} (${why})`);
    expect(unused).toEqual([]);
  });

  test.each([
    ['a JAVA_TOOL_OPTIONS in --variables', ['wire', '--ca', CA, '--variables', 'SSL_CERT_FILE,JAVA_TOOL_OPTIONS', '-'],
      /JAVA_TOOL_OPTIONS is managed by --java; do not list it/],
    ['a bad --java-password', ['wire', '--ca', CA, '--java', 'keytool', '--java-password', 'a b', '-'], /--java-password must be a non-empty string without whitespace/],
    ['--java pkcs12 with plain ConfigMaps', ['wire', '--ca', CA, '--java', 'pkcs12', '--configmap', 'org-ca:ca.crt', '-'], /--java pkcs12 needs a PKCS#12 trust store in ConfigMap "org-ca": give the trust-manager Bundle one \(--pkcs12-key KEY/],
  ])('%s: exit 1 in the command\'s words', (_name, args, message) => {
    const r = cmd(args, ROLLOUT.replace('Rollout', 'Deployment').replace('argoproj.io/v1alpha1', 'apps/v1'));
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 1, stdout: '' });
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(LIBRARY_NAMES);
  });

  test('--java pkcs12 mounts the Bundle\'s PKCS#12 store (truststore.p12 unless --pkcs12-key), and bundle --pkcs12-key writes that target', () => {
    const deployment = ROLLOUT.replace('Rollout', 'Deployment').replace('argoproj.io/v1alpha1', 'apps/v1');
    for (const [extra, key] of [[[], 'truststore.p12'], [['--pkcs12-key', 'java.p12', '--pkcs12-password', 'pw1'], 'java.p12']] as const) {
      const r = cmd(['wire', '--ca', CA, '--quiet', '--java', 'pkcs12', ...extra, '-'], deployment);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const c = YAML.parse(r.stdout).spec.template.spec.containers[0];
      const opts = c.env.find((e: any) => e.name === 'JAVA_TOOL_OPTIONS').value;
      expect(opts).toContain('-Djavax.net.ssl.trustStore=');
      expect(opts).toContain(`/${key}`);
      expect(opts.includes('trustStorePassword=pw1')).toBe(key === 'java.p12');
    }
    const b = cmd(['bundle', '--ca', CA, '--use-default-cas', '--pkcs12-key', 'java.p12', '--pkcs12-password', 'pw1']);
    expect(b.code).toBe(0);
    expect(YAML.parse(b.stdout).spec.target.additionalFormats).toEqual({ pkcs12: { key: 'java.p12', password: 'pw1' } });
    const bad = cmd(['bundle', '--ca', CA, '--configmap', 'org-ca:ca.crt', '--namespace', 'a', '--pkcs12-key', 'java.p12']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--pkcs12-key is a target of the trust-manager Bundle, which --configmap replaces; drop one of them');
  });
});
