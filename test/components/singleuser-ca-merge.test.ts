import { Chart, Yaml } from 'cdk8s';
import { CaVariables, SingleuserCaMerge, SingleuserCaMergeProps } from '../../src';
import { SYSTEM_BUNDLE_CANDIDATES } from '../../src/pod/init-scripts';
import { makeCa } from '../util/certs';
import { chartWithBundle, envOf } from '../util/fixtures';
import { z2jhProblems } from '../util/schema';
import { takeWarnings } from '../util/warnings';

const ca = makeCa('singleuser-ca');
const bundle = () => chartWithBundle(ca.certPem, undefined, { trustManager: { name: 'nebari-trust-bundle' } }).bundle;
/** The component in the bundle's chart. */
const singleuser = (props: Omit<SingleuserCaMergeProps, 'bundle'> = {}) => {
  const b = bundle();
  return new SingleuserCaMerge(Chart.of(b), 'jupyterhub', { bundle: b, ...props });
};
const base = { singleuser: { image: { name: 'jupyter/base', tag: '1' } } };
const F = SingleuserCaMerge.MERGED_FILE;

/** The system bundle overlay of a z2jh pod: the merged file over each standard path. */
const OVERLAY = SYSTEM_BUNDLE_CANDIDATES.map(mountPath => ({ name: 'org-ca-merged', mountPath, subPath: 'ca-bundle.crt', readOnly: true }));

describe('SingleuserCaMerge', () => {
  test('GIVEN map-form values WHEN wired THEN merge first, the default variables, optional mount, schema-valid', () => {
    const v = singleuser().helmValues({
      singleuser: { ...base.singleuser, initContainers: [{ name: 'pull', image: 'x', command: ['sh', '-c', 'pixi install'] }] },
    });
    expect(v.singleuser.initContainers.map((c: any) => c.name)).toEqual(['merge-ca-bundle', 'pull']);
    expect(v.singleuser.initContainers[0].image).toBe('jupyter/base:1');
    expect(v.singleuser.extraEnv).toEqual(Object.fromEntries(CaVariables.DEFAULTS.map(x => [x, F])));
    expect(envOf(v.singleuser.initContainers[1])).toMatchObject({ SSL_CERT_FILE: F });
    // values carry everything the spawned pods need: the ConfigMap whole, the merge script inline
    expect(v.singleuser.storage.extraVolumes).toContainEqual({ name: 'org-ca', configMap: { name: 'nebari-trust-bundle', optional: true } });
    expect(v.singleuser.initContainers[0].command.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    // the merged file also over the image's system bundle paths (on by default here: R, Julia, wget)
    expect(v.singleuser.storage.extraVolumeMounts).toEqual([{ name: 'org-ca-merged', mountPath: '/etc/ssl/certs-extra', readOnly: true }, ...OVERLAY]);
    expect(z2jhProblems(v)).toEqual([]);
  });

  test('disabled: values come back unchanged, byte for byte', () => {
    const user = { singleuser: { image: { name: 'x', tag: 'y' }, extraEnv: { A: 'b' } }, hub: { config: {} } };
    const before = Yaml.stringify(user);
    expect(Yaml.stringify(singleuser({ enabled: false }).helmValues(user))).toBe(before);
  });

  test('appends to list-form env and volumes; a conflicting variable is an error naming skipVariables', () => {
    const m = singleuser();
    const v = m.helmValues({ singleuser: { ...base.singleuser, extraEnv: [{ name: 'X', value: '1' }], storage: { extraVolumes: [{ name: 'data', emptyDir: {} }] } } });
    expect(v.singleuser.extraEnv[0]).toEqual({ name: 'X', value: '1' });
    expect(v.singleuser.extraEnv).toHaveLength(1 + CaVariables.DEFAULTS.length);
    expect(v.singleuser.storage.extraVolumes.map((x: any) => x.name)).toEqual(['data', 'org-ca', 'org-ca-merged']);
    expect(z2jhProblems(v)).toEqual([]);
    expect(() => m.helmValues({ singleuser: { ...base.singleuser, extraEnv: { SSL_CERT_FILE: '/mine' } } }))
      .toThrow(/z2jh values singleuser container "notebook" already sets SSL_CERT_FILE to "\/mine".*skipVariables/);
    const kept = singleuser({ skipVariables: ['SSL_CERT_FILE'] }).helmValues({ singleuser: { ...base.singleuser, extraEnv: { SSL_CERT_FILE: '/mine' } } });
    expect(kept.singleuser.extraEnv.SSL_CERT_FILE).toBe('/mine');
  });

  test('map-form extraVolumes keep their form; a different volume under our name is an error', () => {
    const m = singleuser();
    const v = m.helmValues({ singleuser: { ...base.singleuser, storage: { extraVolumes: { data: { emptyDir: {} } } } } });
    expect(Object.keys(v.singleuser.storage.extraVolumes)).toEqual(['data', 'org-ca', 'org-ca-merged']);
    expect(v.singleuser.storage.extraVolumes['org-ca-merged']).toEqual({ emptyDir: {} });
    expect(() => m.helmValues({ singleuser: { ...base.singleuser, storage: { extraVolumes: [{ name: 'org-ca', emptyDir: {} }] } } }))
      .toThrow(/a volume named "org-ca" already exists and is not the org CA volume/);
  });

  test('wireInitContainers names one init container; a name that is not there is an error', () => {
    const inits = [{ name: 'a', image: 'x' }, { name: 'b', image: 'x' }];
    const v = singleuser({ wireInitContainers: ['b'] }).helmValues({ singleuser: { ...base.singleuser, initContainers: inits } });
    expect(v.singleuser.initContainers[1].env).toBeUndefined();
    expect(envOf(v.singleuser.initContainers[2])).toMatchObject({ SSL_CERT_FILE: F });
    expect(() => singleuser({ wireInitContainers: ['c'] }).helmValues({ singleuser: { ...base.singleuser, initContainers: inits } }))
      .toThrow(/lists init container "c" to wire, which is not an init container of this pod \(a, b\)/);
  });

  test('idempotent on its own output', () => {
    const m = singleuser();
    const once = m.helmValues(base);
    expect(m.helmValues(once)).toEqual(once);
  });

  test('no image anywhere is an error naming the fix', () => {
    expect(() => singleuser().helmValues({})).toThrow(/set image, or singleuser.image.name and singleuser.image.tag/);
  });

  test('warns when a restricted namespace keeps the privileged block-cloud-metadata init container', () => {
    takeWarnings();
    const m = singleuser({ namespaceLabels: { 'pod-security.kubernetes.io/enforce': 'restricted' } });
    m.helmValues(base);
    expect(m.warnings).toContainEqual(expect.stringMatching(/block-cloud-metadata .* set it to false/));
    m.helmValues({ singleuser: { ...base.singleuser, cloudMetadata: { blockWithIptables: false, ip: '169.254.169.254' } } });
    expect(m.warnings.filter(w => /block-cloud-metadata/.test(w))).toEqual([]);
  });
});

describe('SingleuserCaMerge: the hub', () => {
  test('with hubImage the hub pod is wired too (hub.initContainers, extraEnv, extraVolumes, extraVolumeMounts); schema-valid', () => {
    const v = singleuser({ hubImage: 'quay.io/jupyterhub/k8s-hub:4.4.0' }).helmValues(base);
    expect(v.hub.initContainers.map((c: any) => [c.name, c.image])).toEqual([['merge-ca-bundle', 'quay.io/jupyterhub/k8s-hub:4.4.0']]);
    expect(v.hub.extraEnv).toEqual(Object.fromEntries(CaVariables.DEFAULTS.map(x => [x, F])));
    expect(v.hub.extraVolumes.map((x: any) => x.name)).toEqual(['org-ca', 'org-ca-merged']);
    expect(v.hub.extraVolumeMounts).toEqual([{ name: 'org-ca-merged', mountPath: '/etc/ssl/certs-extra', readOnly: true }, ...OVERLAY]);
    expect(z2jhProblems(v)).toEqual([]);
  });

  test('the hub image from the values; unknown: not wired, with a warning naming hubImage', () => {
    const v = singleuser().helmValues({ ...base, hub: { image: { name: 'my/hub', tag: '1' } } });
    expect(v.hub.initContainers[0].image).toBe('my/hub:1');
    takeWarnings();
    const m = singleuser();
    const w = m.helmValues(base);
    expect(w.hub).toBeUndefined();
    expect(m.warnings).toEqual([expect.stringMatching(/the JupyterHub hub is not wired .*pass hubImage/)]);
  });
});
