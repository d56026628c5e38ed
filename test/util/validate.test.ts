import { checkConfigMapKey, checkDnsLabel, checkDnsSubdomain, checkImage, checkMountDir, checkPointer, derivedName } from '../../src/util/validate';

describe('validators', () => {
  test.each(['a', 'merge-ca-bundle', 'a1', 'x'.repeat(63)])('DNS label %s is accepted', (v) => {
    expect(checkDnsLabel('name', v)).toBe(v);
  });
  test.each(['', 'A', 'a_b', '-a', 'a-', 'a.b', 'x'.repeat(64), 3 as any])('DNS label %p is refused with the rule', (v) => {
    expect(() => checkDnsLabel('name', v)).toThrow(/is not a valid Kubernetes name: use lower-case letters, digits and "-".*at most 63/);
  });
  test('DNS subdomain allows dots, not 254 characters', () => {
    expect(checkDnsSubdomain('n', 'a.b-c')).toBe('a.b-c');
    expect(() => checkDnsSubdomain('n', `${'a'.repeat(60)}.`.repeat(5))).toThrow(/at most 253/);
  });
  test.each(['ca.crt', 'ca-certificates.crt', 'K_1'])('ConfigMap key %s', (k) => expect(checkConfigMapKey('key', k)).toBe(k));
  test.each(['a/b', '..', '.', 'a b', ''])('ConfigMap key %p refused', (k) => expect(() => checkConfigMapKey('key', k)).toThrow(/not a valid ConfigMap key/));
  test.each(['', ' ', 'img name', '\t'])('image %p refused', (v) => expect(() => checkImage('image', v)).toThrow(/is not an image reference/));
  test.each([
    '/', '/bin', '/usr', '/lib', '/etc', '/etc/ssl/certs', '/etc/pki/ca-trust/extracted/pem', '/etc/pki/tls/certs', '/tmp',
    '/var/run/secrets/kubernetes.io/serviceaccount',
  ])('mount directory %s would shadow what the pod needs: refused', (d) => {
    expect(() => checkMountDir('mergedDir', d, '/etc/ssl/certs-extra')).toThrow(/would hide what the image or Kubernetes keeps there|must be a normalised absolute directory/);
  });
  test.each([
    '/var/run', '/run', '/var/run/secrets/x', '/run/secrets/eks.amazonaws.com', '/proc/self', '/sys/x', '/dev/shm', '/usr/local/org-ca', '/lib64/x',
    '/libx32', '/etc/ssl/certs/java', '/etc/pki/java', '/etc/pki/ca-trust/source/anchors', '/etc/pki/ca-trust/extracted/java', '/usr/lib/ssl',
    '/etc/ssl', '/etc/pki',
  ])('mount directory %s is, holds or hides a trust store or a kernel/runtime tree: refused', (d) => {
    expect(() => checkMountDir('mergedDir', d, '/etc/org-ca')).toThrow(/would hide what the image or Kubernetes keeps there \(system or JVM trust store, binaries, service-account token\); use a new directory such as "\/etc\/org-ca"/);
  });
  test.each(['/etc/org ca', '/etc/org-ca -Duser.home=/x', '/etc/a,/etc/b', '/etc/"q"', '/etc/$HOME', '/etc/x\ty', '/etc/x=1'])('mount directory %p with a character a shell, a JVM option line or a list would split: refused', (d) => {
    expect(() => checkMountDir('mergedDir', d, '/etc/org-ca')).toThrow(/may hold only letters, digits, ".", "_", "-" and "\/"/);
  });
  test.each(['/etc/org-ca', '/etc/ssl/certs-extra', '/shared', '/etc/nebari/truststore', '/opt/app/ca_1.2'])('mount directory %s is fine', (d) => {
    expect(checkMountDir('mergedDir', d, '/etc/org-ca')).toBe(d);
  });
  test.each(['rel', '/a/../b', '/a/./b', '/a//b', '/a/'])('mount directory %p is not normalised: refused', (d) => {
    expect(() => checkMountDir('mergedDir', d, '/x')).toThrow(/must be a normalised absolute directory without ".." or a trailing "\/"/);
  });
  test('derived names: a base too long for its suffix is refused, naming the longest allowed', () => {
    expect(derivedName('n', 'abc', '-java')).toBe('abc-java');
    expect(() => derivedName('n', 'a'.repeat(59), '-java')).toThrow(/use at most 58 characters/);
  });
  test('JSON pointers', () => {
    expect(checkPointer('', 'p')).toBe('');
    expect(checkPointer('/spec/*/template', 'p')).toBe('/spec/*/template');
    expect(() => checkPointer('spec', 'p')).toThrow(/"spec" is not a JSON pointer/);
  });
});
