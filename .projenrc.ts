import { cdk8s, DependencyType, javascript } from 'projen';
import { UpdateSnapshot } from 'projen/lib/javascript';

const project = new cdk8s.ConstructLibraryCdk8s({
  name: 'cdk8s-org-ca',
  description:
    'Trust an organisation CA in every pod: validate it once, distribute it (trust-manager Bundle or ConfigMaps) and wire it into any workload, Argo CD, Keycloak, JupyterHub and Ray at cdk8s synth time.',
  author: 'cdk8s-org-ca developers',
  authorAddress: 'dev@cdk8s-org-ca.local',
  repositoryUrl: 'https://example.invalid/cdk8s-org-ca.git',
  defaultReleaseBranch: 'main',
  minNodeVersion: '20.0.0',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  keywords: ['cdk8s', 'kubernetes', 'ca', 'tls', 'trust-manager', 'cert-manager', 'proxy', 'air-gapped'],

  // jsii targets, as a published jsii library configures them (module names, package ids). Only
  // Python is built here (CI, `npm run package:python`); the others need toolchains and
  // registries this project's machines do not have (README, "Other languages").
  publishToPypi: { distName: 'cdk8s-org-ca', module: 'cdk8s_org_ca' },
  publishToMaven: { javaPackage: 'io.github.cdk8s_org_ca', mavenGroupId: 'io.github.cdk8s-org-ca', mavenArtifactId: 'cdk8s-org-ca' },
  publishToNuget: { dotNetNamespace: 'Cdk8sOrgCa', packageId: 'Cdk8sOrgCa' },
  publishToGo: { moduleName: 'github.com/cdk8s-org-ca/cdk8s-org-ca-go' },

  // the command-line tool (src/cli) parses YAML streams, prints unified diffs (wire --diff), and
  // its admit command evaluates admission policies with Buf's conformance-tested CEL (its
  // JSONPatch type is a protobuf message): runtime dependencies, bundled (jsii)
  bundledDeps: ['yaml@^2', '@bufbuild/cel@0.6.1', '@bufbuild/cel-spec@0.6.1', '@bufbuild/protobuf@^2.6.2', 'diff@^9'],
  bin: { 'cdk8s-org-ca': 'lib/cli/main.js' },

  cdk8sVersion: '2.70.106',
  constructsVersion: '10.3.0',
  jsiiVersion: '~6.0.0',
  // src/ imports nothing from cdk8s-plus: it is no peer dependency (tests use lines 28 and 33)
  devDeps: [
    'cdk8s-plus-28@2.5.6',
    // source of src/imports/k8s.ts (projenrc/import-k8s.ts); also the newest cdk8s-plus line
    'cdk8s-plus-33@2.5.57',
    'cdk8s-cli@2.207.60',
    'fast-check@^4',
    'ajv@^8',
    'kubernetes-models@4.5.1',
    // a second, independent CEL implementation with a type checker (homogeneous literals, overloads,
    // as Kubernetes checks): the admission policy's expressions are type-checked with it
    '@marcbachmann/cel-js@8.0.0',
  ],

  // CI and the README drive the build; no hosted workflows, no release automation here.
  github: false,
  release: false,
  buildWorkflow: false,
  depsUpgrade: false,
  pullRequestTemplate: false,

  // jest 30 and eslint-import-resolver-typescript 4 depend on unrs-resolver, whose per-platform
  // optional packages the registry reachable here does not all serve, so `npm ci` rejects the
  // lock file. jest 29 and the resolver 3.6 use plain resolvers.
  jestOptions: {
    jestVersion: '^29',
    updateSnapshot: UpdateSnapshot.NEVER,
    jestConfig: {
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testTimeout: 120_000,
      collectCoverage: false,
      // Every test with cdk8s-plus-28 (the oldest supported line), and the workload tests again
      // with the newest line on npm: `cdk8s-plus-28` resolves to cdk8s-plus-33 there.
      projects: [
        {
          displayName: 'cdk8s-plus-28',
          globals: { CDK8S_PLUS_LINE: 28 },
          setupFiles: ['<rootDir>/test/setup.ts'],
          testMatch: ['<rootDir>/test/**/*.test.ts'],
          testPathIgnorePatterns: ['/node_modules/'],
          transform: { '^.+\\.[t]sx?$': new javascript.Transform('ts-jest', { tsconfig: 'test/tsconfig.json' }) },
        },
        {
          displayName: 'cdk8s-plus-33',
          globals: { CDK8S_PLUS_LINE: 33 },
          setupFiles: ['<rootDir>/test/setup.ts'],
          testMatch: ['<rootDir>/test/pod/*.test.ts', '<rootDir>/test/components/*.test.ts', '<rootDir>/test/examples/*.test.ts'],
          testPathIgnorePatterns: ['/node_modules/', 'init-scripts'],
          moduleNameMapper: { '^cdk8s-plus-28$': 'cdk8s-plus-33' },
          transform: { '^.+\\.[t]sx?$': new javascript.Transform('ts-jest', { tsconfig: 'test/tsconfig.json' }) },
        },
      ] as any,
    },
  },
  eslintOptions: {
    dirs: ['src', 'examples', 'bench'],
    devdirs: ['test', 'examples', 'bench'],
    ignorePatterns: ['src/imports/**'],
  },
  gitignore: ['/dist/', '/test-reports/'],
});

// examples/ and bench/ are type-checked (and linted) with the test settings.
for (const dir of ['examples', 'bench']) {
  new javascript.TypescriptConfig(project, {
    fileName: `${dir}/tsconfig.json`,
    extends: javascript.TypescriptConfigExtends.fromPaths(['../test/tsconfig.json']),
    include: ['**/*.ts'],
  });
}

// see jestOptions above: pin the resolver below 4 (no unrs-resolver)
project.deps.removeDependency('eslint-import-resolver-typescript');
project.deps.addDependency('eslint-import-resolver-typescript@3.6.3', DependencyType.BUILD);

// src/imports/k8s.ts is generated from the Kubernetes schema, whose ContainerPort struct has a
// containerPort field (JSII5019: C# renames the struct). Only that code is silenced.
project.compileTask.reset('jsii --silence-warnings=reserved-word --silence-warnings=JSII5019');
project.tasks.tryFind('watch')?.reset('jsii -w --silence-warnings=reserved-word --silence-warnings=JSII5019');

// API.md documents this library's own API; the generated `k8s` submodule holds the standard
// Kubernetes structs (Container, Volume, ...), documented by Kubernetes itself.
project.tasks.tryFind('docgen')?.reset('jsii-docgen -o API.md --submodule root');

// the inline source maps point at src/*.ts: ship the sources so stack traces and editors find them
project.addPackageIgnore('!/src/');
// Python: jsii-pacmak's own build installs setuptools/build/twine from PyPI, which these machines
// cannot reach; the generated package is built with Debian's pip, setuptools and wheel instead.
project.tasks.tryFind('package:python')?.reset([
  // jsii-pacmak reads .jsii: in a fresh clone, compile first
  'test -f .jsii || npx projen compile',
  'rm -rf dist/python dist/python-src',
  'jsii-pacmak --code-only --targets python -o dist/python-src',
  // Debian's python3 (with python3-setuptools and python3-wheel), not another one earlier on PATH
  'PY=$([ -x /usr/bin/python3 ] && echo /usr/bin/python3 || echo python3)',
  '$PY -m pip wheel --no-deps --no-build-isolation --no-index -w dist/python dist/python-src/python',
].join(' && '));

// package-all builds what these machines can: npm and Python. Java (Maven Central), .NET (NuGet)
// and Go (module proxy) need registries they cannot reach; their targets stay configured.
const packageAll = project.tasks.tryFind('package-all');
packageAll?.reset();
for (const t of ['package:js', 'package:python']) packageAll?.spawn(project.tasks.tryFind(t)!);

project.addPackageIgnore('/examples/');
project.addPackageIgnore('/bench/');
project.addPackageIgnore('/.ci/');
project.addPackageIgnore('/schemas/');

// cdk8s import of the trust-manager Bundle CRD (offline, from a copy kept in the repo).
project.addTask('import', {
  description: 'Regenerate src/imports from the CRDs in schemas/ and the k8s structs of cdk8s-plus-33 (offline)',
  steps: [
    { exec: 'cdk8s import schemas/trust-manager-bundle-crd.yaml --language typescript --output src/imports' },
    { exec: 'ts-node --project projenrc/tsconfig.json --transpile-only projenrc/import-k8s.ts' },
  ],
});

// the README snippet test writes its modules here, and removes them
project.gitignore.exclude('/test/readme/.snippet-*', '/test/readme/.free-*', '/test/readme/.run-*');

project.addTask('test:fast', {
  description: 'The unit tests only (no end-to-end pods, no packaging): a quick check while developing; npm test runs everything',
  exec: 'jest --testPathIgnorePatterns e2e package',
});

project.addTask('synth:example', {
  description: 'Synthesize the example platform in examples/ into dist/ from the committed demo CA',
  steps: [{ exec: 'ts-node --project examples/tsconfig.json --transpile-only examples/main.ts' }],
});


project.addTask('bench', {
  description: 'Synth benchmark (1,000 / 5,000 workloads wired vs not, bytes, peak memory); writes BENCHMARKS.md',
  steps: [{ exec: 'node --expose-gc -r ts-node/register/transpile-only bench/synth.bench.ts' }],
  env: { TS_NODE_PROJECT: 'bench/tsconfig.json' },
});

project.synth();
