import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Chart, Testing } from 'cdk8s';
import { CaSource, OrgCaBundle } from '../../src';
import { makeCa } from '../util/certs';

const ca = makeCa('source-ca');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ca-source-'));
const chart = () => new Chart(Testing.app(), 'c');

describe('CaSource', () => {
  test('fromFile and fromPem give the same bundle', () => {
    const file = path.join(tmp, 'org.pem');
    fs.writeFileSync(file, ca.certPem);
    const bundles = [
      new OrgCaBundle(chart(), 'a', { source: CaSource.fromFile(file), printWarnings: false }),
      new OrgCaBundle(chart(), 'b', { source: CaSource.fromPem(ca.certPem), printWarnings: false }),
    ];
    expect(new Set(bundles.map(b => b.sha256)).size).toBe(1);
    expect(CaSource.fromFile(file).path).toBe(file);
  });

  test.each([
    ['a directory', () => tmp, /is a directory; point it at a PEM or DER file/],
    ['a device', () => '/dev/zero', /is a device; point it at a PEM or DER file/],
    ['a FIFO', () => {
      const f = path.join(tmp, 'fifo');
      if (!fs.existsSync(f)) execFileSync('mkfifo', [f]);
      return f;
    }, /is a FIFO; point it at a PEM or DER file/],
    ['missing', () => path.join(tmp, 'nope.pem'), /cannot read the org CA bundle at path ".*nope.pem" \(ENOENT\); check the path/],
  ])('a path that is %s is refused before reading (never a hang)', (_n, file, err) => {
    expect(() => new OrgCaBundle(chart(), 'x', { source: CaSource.fromFile(file()) })).toThrow(err);
  });

  test('a path swapped for a FIFO after any check by name is still refused, never a hang: what was opened is checked', () => {
    const fifo = path.join(tmp, 'swapped-fifo');
    if (!fs.existsSync(fifo)) execFileSync('mkfifo', [fifo]);
    // a check by name would see a regular file (the racer swaps the path right after it)
    const regular = fs.statSync(__filename);
    // the fs module itself (the import above is a read-only view of it)
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const nodeFs: typeof fs = require('node:fs');
    const spy = jest.spyOn(nodeFs, 'statSync').mockReturnValue(regular);
    try {
      expect(() => CaSource.fromFile(fifo)._load()).toThrow(/is a FIFO; point it at a PEM or DER file/);
    } finally {
      spy.mockRestore();
    }
  }, 10_000);

  test('a file over the read limit is refused with its size, without being read whole', () => {
    const big = path.join(tmp, 'big.pem');
    const fd = fs.openSync(big, 'w');
    fs.ftruncateSync(fd, 9 * 1024 * 1024);
    fs.closeSync(fd);
    expect(() => CaSource.fromFile(big)._load()).toThrow(/is 9437184 bytes, over the 8388608-byte read limit/);
  });

  test.each([[null, 'null'], [42, 'number'], [undefined, 'undefined']])('fromPem(%p) from Python or Java: a clear error, not a TypeError', (v, what) => {
    expect(() => CaSource.fromPem(v as any)).toThrow(new RegExp(`the PEM text must be a string, not ${what}`));
  });

  test('fromFile(\'\') is refused', () => {
    expect(() => CaSource.fromFile('')).toThrow(/the path must be a non-empty string/);
  });

  test('created directly under the App: an error saying it must be inside a Chart, and why', () => {
    expect(() => new OrgCaBundle(Testing.app(), 'ca', { source: CaSource.fromPem(ca.certPem) }))
      .toThrow(/OrgCaBundle "ca" must be created inside a Chart, not directly under .*: the Bundle and ConfigMaps it emits are chart objects/);
  });
});
