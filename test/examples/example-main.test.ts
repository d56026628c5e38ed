/* `npm run synth:example` leaves nothing behind when the synth fails. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

test('a failed synth of the example leaves no staging directory and prints why', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'example-tmp-'));
  try {
    const r = spawnSync(process.execPath, [require.resolve('ts-node/dist/bin.js'), '--project', 'examples/tsconfig.json', '--transpile-only', 'examples/main.ts'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, TMPDIR: tmp, ORG_CA_FILE: path.join(tmp, 'missing.pem') },
      timeout: 120_000,
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('missing.pem');
    expect(fs.readdirSync(tmp).filter(f => f.startsWith('org-ca-example-'))).toEqual([]);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}, 150_000);
