/**
 * The example platform: `npm run synth:example` writes it to dist/ from the committed demo CA.
 * Everything is synthesized into a temporary directory first and moved into dist/ only when the
 * whole app synthesized, so a bad input leaves dist/ untouched.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'cdk8s';
import { buildPlatform } from './platform';

const outdir = path.resolve(__dirname, '..', 'dist');
// ORG_CA_FILE: synthesize the example with another CA (default: the committed demo CA)
const caFile = process.env.ORG_CA_FILE ?? path.join(__dirname, 'demo-ca', 'org-ca.pem');
const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'org-ca-example-'));
try {
  const app = new App({ outdir: staging });
  const extraFiles = buildPlatform(app, caFile);
  app.synth();
  for (const [name, content] of Object.entries(extraFiles)) {
    fs.writeFileSync(path.join(staging, name), content);
  }
  fs.mkdirSync(outdir, { recursive: true });
  for (const f of fs.readdirSync(outdir)) {
    if (f.endsWith('.k8s.yaml') || f.endsWith('.values.yaml')) fs.rmSync(path.join(outdir, f));
  }
  for (const f of fs.readdirSync(staging)) {
    fs.copyFileSync(path.join(staging, f), path.join(outdir, f));
    console.log(`wrote dist/${f}`);
  }
} finally {
  // nothing is left behind, whether the synth succeeded or not
  fs.rmSync(staging, { recursive: true, force: true });
}
