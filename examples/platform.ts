import { App, Chart } from 'cdk8s';
import { OrgCaBundle } from '../src';

/**
 * Builds the example platform into `app` and returns extra files (name → content) to write next
 * to the manifests. Shared by `npm run synth:example` and the end-to-end tests.
 */
export function buildPlatform(app: App, caPath: string): Record<string, string> {
  const trust = new Chart(app, 'trust');
  new OrgCaBundle(trust, 'org-ca', {
    path: caPath,
    trustManager: { name: 'org-ca-bundle', syncWave: OrgCaBundle.BUNDLE_SYNC_WAVE },
    configMaps: [{ namespaces: ['argocd'], name: 'argocd-org-ca', key: 'ca.crt' }],
  });
  return {};
}
