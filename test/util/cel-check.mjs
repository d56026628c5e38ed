// Type-checks CEL expressions with @marcbachmann/cel-js (ESM, so run as its own process by
// test/util/cel-typecheck.ts). stdin: [{ where, expr }]; stdout: [{ where, valid, type, error }].
// The variables are the ones Kubernetes declares for admission policy expressions; JSONPatch is a
// type with Kubernetes' fields, built by JSONPatch(op, path, from, value) (this library has no
// message-construction syntax: the caller rewrites JSONPatch{...} into that call).
import { Environment } from '@marcbachmann/cel-js';
import { readFileSync } from 'node:fs';

const env = new Environment()
  .registerType({ name: 'JSONPatch', schema: { op: 'string', path: 'string', from: 'string', value: 'dyn' } })
  .registerFunction('JSONPatch(string, string, string, dyn): JSONPatch', (op, path, from, value) => ({ op, path, from, value }))
  .registerVariable('object', 'dyn')
  .registerVariable('oldObject', 'dyn')
  .registerVariable('request', 'dyn')
  .registerVariable('params', 'dyn')
  .registerVariable('namespaceObject', 'dyn')
  .registerVariable('variables', 'map<string, dyn>');

const input = JSON.parse(readFileSync(0, 'utf8'));
const out = input.map(({ where, expr }) => {
  const r = env.check(expr);
  return { where, valid: r.valid, type: r.valid ? String(r.type) : undefined, error: r.valid ? undefined : String(r.error?.message ?? r.error).split('\n')[0] };
});
process.stdout.write(JSON.stringify(out));
