import { TemplateOutcome, wireObject, wirePodTemplate, WiringDescription } from '../../src/pod/pod-wiring';
import { manifest, podOf, podSpec } from '../util/fixtures';

const D: WiringDescription = {
  volumes: [{ name: 'src', configMap: { name: 'cm', optional: true } }, { name: 'out', emptyDir: {} }],
  initContainers: [{ name: 'merge', command: ['sh', '-c', 'true'], volumeMounts: [{ name: 'out', mountPath: '/out' }] }],
  mounts: [{ name: 'out', mountPath: '/out', readOnly: true }],
  env: [{ name: 'SSL_CERT_FILE', value: '/out/ca.crt' }],
  annotations: { 'x/sha': 'abc' },
  hints: { volume: n => `vol-${n}`, mount: 'theDir', initContainer: 'theName' },
};

const template = (spec: any = podSpec()) => ({ metadata: { labels: { a: 'b' } }, spec: JSON.parse(JSON.stringify(spec)) });

describe('wirePodTemplate (the pod-wiring core)', () => {
  test('GIVEN a pod WHEN wired THEN ours first, volumes, mounts, variables on every container, annotation', () => {
    const t = template(podSpec({ initContainers: [{ name: 'user-init', image: 'u' }], containers: [{ name: 'a', image: 'img-a' }, { name: 'b', image: 'img-b' }] }));
    expect(wirePodTemplate(t, D, 'here')).toBe(TemplateOutcome.WIRED);
    expect(t.spec.initContainers.map((c: any) => [c.name, c.image])).toEqual([['merge', 'img-a'], ['user-init', 'u']]);
    expect(t.spec.volumes).toEqual(D.volumes);
    for (const c of [t.spec.initContainers[1], ...t.spec.containers]) {
      expect(c.env).toEqual([{ name: 'SSL_CERT_FILE', value: '/out/ca.crt' }]);
      expect(c.volumeMounts).toEqual([{ name: 'out', mountPath: '/out', readOnly: true }]);
    }
    expect(t.metadata).toEqual({ labels: { a: 'b' }, annotations: { 'x/sha': 'abc' } });
  });

  test('wiring twice gives the same template as once; the description is never aliased into the output', () => {
    const once = template();
    wirePodTemplate(once, D, 'here');
    const twice = template();
    wirePodTemplate(twice, D, 'here');
    wirePodTemplate(twice, D, 'here');
    expect(twice).toEqual(once);
    once.spec.volumes[0].configMap.name = 'changed';
    expect(D.volumes[0].configMap.name).toBe('cm');
  });

  test.each([
    ['no spec', {}],
    ['no containers', { spec: { containers: [] } }],
  ])('%s: nothing to wire, unchanged', (_n, t) => {
    const before = JSON.stringify(t);
    expect(wirePodTemplate(t, D, 'here')).toBe(TemplateOutcome.NO_CONTAINERS);
    expect(JSON.stringify(t)).toBe(before);
  });

  test('the image: the description\'s, else the first container\'s, else an error naming the fix', () => {
    const t = template();
    wirePodTemplate(t, { ...D, image: 'tools:1' }, 'here');
    expect(t.spec.initContainers[0].image).toBe('tools:1');
    expect(() => wirePodTemplate(template({ containers: [{ name: 'x' }] }), D, 'Deployment "d"')).toThrow(/Deployment "d": container "x" has no image to run the merge with; set image/);
  });

  test('container filter: only the listed app containers; a name that is not there is an error', () => {
    const t = template(podSpec({ containers: [{ name: 'a', image: 'i' }, { name: 'b', image: 'i' }] }));
    wirePodTemplate(t, { ...D, containers: ['b'] }, 'here');
    expect(t.spec.containers[0].env).toBeUndefined();
    expect(t.spec.containers[1].env).toHaveLength(1);
    expect(() => wirePodTemplate(template(), { ...D, containers: ['nope'] }, 'here')).toThrow(/here: containers lists "nope", which is not a container of this pod \(app\)/);
  });

  test('initContainersToWire: only the listed later init containers', () => {
    const t = template(podSpec({ initContainers: [{ name: 'i1', image: 'u' }, { name: 'i2', image: 'u' }] }));
    wirePodTemplate(t, { ...D, initContainersToWire: ['i2'] }, 'here');
    expect(t.spec.initContainers.map((c: any) => [c.name, !!c.env])).toEqual([['merge', false], ['i1', false], ['i2', true]]);
  });

  test.each([
    ['a different volume under our name', { volumes: [{ name: 'out', hostPath: { path: '/x' } }] }, /a volume named "out" already exists and is not the org CA volume; rename it or set vol-out/],
    ['a different init container under our name', { initContainers: [{ name: 'merge', image: 'x' }] }, /an init container named "merge" already exists and is not the org CA merge; rename it or set theName/],
    ['an app container under our init container name', { containers: [{ name: 'merge', image: 'x' }] }, /a container named "merge" already exists; set theName/],
    ['another volume at our mount path', { containers: [{ name: 'a', image: 'x', volumeMounts: [{ name: 'data', mountPath: '/out' }] }] }, /container "a" already mounts volume "data" at \/out; set theDir to a free directory/],
    ['a variable set to another value', { containers: [{ name: 'a', image: 'x', env: [{ name: 'SSL_CERT_FILE', value: '/mine' }] }] }, /container "a" already sets SSL_CERT_FILE to "\/mine", not "\/out\/ca.crt"; remove it, or pass skipVariables/],
    ['a variable from valueFrom', { containers: [{ name: 'a', image: 'x', env: [{ name: 'SSL_CERT_FILE', valueFrom: { configMapKeyRef: { name: 'c', key: 'k' } } }] }] }, /already sets SSL_CERT_FILE to a valueFrom reference/],
  ])('conflict: %s is an error naming the fix', (_n, spec, err) => {
    expect(() => wirePodTemplate(template(podSpec(spec)), D, 'here')).toThrow(err);
  });

  test('skipVariables keeps a conflicting value and still adds the variable where it is missing', () => {
    const t = template(podSpec({ containers: [{ name: 'a', image: 'x', env: [{ name: 'SSL_CERT_FILE', value: '/mine' }] }, { name: 'b', image: 'x' }] }));
    wirePodTemplate(t, { ...D, skipVariables: ['SSL_CERT_FILE'] }, 'here');
    expect(t.spec.containers[0].env).toEqual([{ name: 'SSL_CERT_FILE', value: '/mine' }]);
    expect(t.spec.containers[1].env).toEqual([{ name: 'SSL_CERT_FILE', value: '/out/ca.crt' }]);
  });

  test('JAVA_TOOL_OPTIONS: appended to an existing value verbatim, not repeated on a second wiring', () => {
    const t = template(podSpec({ containers: [{ name: 'a', image: 'x', env: [{ name: 'JAVA_TOOL_OPTIONS', value: '-Da="x  y"' }] }] }));
    const d = { ...D, javaToolOptions: ['-Djavax.net.ssl.trustStore=/out/s'] };
    wirePodTemplate(t, d, 'here');
    wirePodTemplate(t, d, 'here');
    expect(t.spec.containers[0].env.find((e: any) => e.name === 'JAVA_TOOL_OPTIONS').value).toBe('-Da="x  y" -Djavax.net.ssl.trustStore=/out/s');
  });
});

describe('wireObject', () => {
  test.each(['Deployment', 'CronJob', 'Pod', 'Job'] as const)('%s: the template at its pointer is wired and reported', (kind) => {
    const obj = manifest(kind, 'w');
    const paths = { Deployment: ['/spec/template'], CronJob: ['/spec/jobTemplate/spec/template'], Pod: [''], Job: ['/spec/template'] }[kind];
    const out = wireObject(obj, paths, D);
    expect(out).toEqual([{ pointer: paths[0], outcome: TemplateOutcome.WIRED }]);
    expect(podOf(obj).initContainers[0].name).toBe('merge');
  });

  test('errors name the object and the template pointer', () => {
    const obj = manifest('CronJob', 'nightly', podSpec({ containers: [{ name: 'x' }] }), 'ops');
    expect(() => wireObject(obj, ['/spec/jobTemplate/spec/template'], D)).toThrow(/^CronJob "ops\/nightly" at \/spec\/jobTemplate\/spec\/template: container "x" has no image/);
  });
});
