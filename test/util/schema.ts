/* Validation of synthesized objects.
 *
 * Kubernetes kinds: the OpenAPI-generated validators of kubernetes-models 4.5 (types, enums,
 * required fields; Kubernetes 1.33 schemas) plus an unknown-field check built from the field lists
 * of cdk8s-plus-33's generated k8s 1.33 imports (themselves generated from the Kubernetes OpenAPI
 * document). The API server would drop unknown fields silently; here they fail the test.
 *
 * CRDs: ajv over the CRD's openAPIV3Schema, with `additionalProperties: false` added wherever the
 * structural schema lists properties and does not preserve unknown fields (what the API server
 * prunes). CEL rules (x-kubernetes-validations) are not evaluated by JSON Schema: tests assert them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import * as YAML from 'yaml';

type FieldKind = { kind: 'scalar' } | { kind: 'obj' | 'arr' | 'map'; type: string };
type Struct = Map<string, FieldKind>;

let structs: Map<string, Struct> | undefined;

function loadStructs(): Map<string, Struct> {
  if (structs) return structs;
  const src = fs.readFileSync(require.resolve('cdk8s-plus-33/lib/imports/k8s.js'), 'utf8');
  structs = new Map();
  const fnRe = /function toJson_(\w+)\(obj\) \{[\s\S]*?const result = \{([\s\S]*?)\n {4}\};/g;
  let m: RegExpExecArray | null;
  while ((m = fnRe.exec(src))) {
    const fields: Struct = new Map();
    const lineRe = /^ {8}'([^']+)': (.*),$/gm;
    let l: RegExpExecArray | null;
    while ((l = lineRe.exec(m[2]))) {
      const [, key, expr] = l;
      let t: RegExpExecArray | null;
      if ((t = /^toJson_(\w+)\(obj\.\w+\)$/.exec(expr))) fields.set(key, { kind: 'obj', type: t[1] });
      else if ((t = /^obj\.\w+\?\.map\(y => toJson_(\w+)\(y\)\)$/.exec(expr))) fields.set(key, { kind: 'arr', type: t[1] });
      else if ((t = /\[i\[0\]\]: toJson_(\w+)\(i\[1\]\)/.exec(expr))) fields.set(key, { kind: 'map', type: t[1] });
      else fields.set(key, { kind: 'scalar' });
    }
    structs.set(m[1], fields);
  }
  return structs;
}

function unknownFields(value: any, type: string, at: string, out: string[]) {
  const s = loadStructs().get(type);
  if (!s || value === null || typeof value !== 'object' || Array.isArray(value)) return;
  for (const [k, v] of Object.entries(value)) {
    const f = s.get(k);
    if (!f) {
      out.push(`${at}/${k}: unknown field (not in ${type})`);
      continue;
    }
    if (f.kind === 'obj') unknownFields(v, f.type, `${at}/${k}`, out);
    if (f.kind === 'arr' && Array.isArray(v)) v.forEach((x, i) => unknownFields(x, f.type, `${at}/${k}/${i}`, out));
    if (f.kind === 'map' && v && typeof v === 'object') for (const [mk, mv] of Object.entries(v)) unknownFields(mv, f.type, `${at}/${k}/${mk}`, out);
  }
}

/** Returns a list of problems (empty when the object is valid). */
export function k8sProblems(obj: any): string[] {
  const { apiVersion, kind } = obj;
  if (!apiVersion || !kind) return ['missing apiVersion/kind'];
  const modPath = `kubernetes-models/${apiVersion}/${kind}`;
  let Model: any;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    Model = require(modPath)[kind];
  } catch {
    return [`no Kubernetes schema for ${apiVersion} ${kind}`];
  }
  const problems: string[] = [];
  try {
    new Model(obj).validate();
  } catch (e) {
    problems.push(String((e as Error).message));
  }
  const { apiVersion: _a, kind: _k, ...rest } = obj;
  unknownFields(rest, `Kube${kind}Props`, '', problems);
  if (!loadStructs().has(`Kube${kind}Props`)) problems.push(`no field list for ${kind}`);
  return problems;
}

/** Throws with every problem of every object that is not valid. */
export function expectValidK8s(objs: any[]) {
  const all: string[] = [];
  for (const o of objs) {
    for (const p of k8sProblems(o)) all.push(`${o.kind}/${o.metadata?.name}: ${p}`);
  }
  if (all.length) throw new Error(`schema violations:\n${all.join('\n')}`);
}

const SHARED_SCHEMAS = path.resolve(__dirname, '..', '..', '..', 'shared', 'schemas');

/** Path of a schema file: the repo's own copy in schemas/ first, then ../shared/schemas. */
export function schemaFile(name: string): string {
  const own = path.resolve(__dirname, '..', '..', 'schemas', name);
  if (fs.existsSync(own)) return own;
  const shared = path.join(SHARED_SCHEMAS, name);
  if (fs.existsSync(shared)) return shared;
  throw new Error(`schema ${name} not found in schemas/ or ${SHARED_SCHEMAS}`);
}

function strictify(schema: any): any {
  if (Array.isArray(schema)) return schema.map(strictify);
  if (!schema || typeof schema !== 'object') return schema;
  const out: any = {};
  for (const [k, v] of Object.entries(schema)) out[k] = strictify(v);
  if (out.properties && out.additionalProperties === undefined && !out['x-kubernetes-preserve-unknown-fields']) {
    out.additionalProperties = false;
  }
  if (out['x-kubernetes-int-or-string']) {
    delete out.type;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  return out;
}

const crdValidators = new Map<string, (o: any) => string[]>();

/** Validator for objects of a CRD file (version picked from the object's apiVersion). */
export function crdValidator(file: string): (obj: any) => string[] {
  const hit = crdValidators.get(file);
  if (hit) return hit;
  const crd = YAML.parse(fs.readFileSync(schemaFile(file), 'utf8'));
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  const byVersion = new Map<string, any>();
  for (const v of crd.spec.versions) {
    // apiVersion, kind and metadata are allowed at the root of every object, listed or not
    const root = strictify(v.schema.openAPIV3Schema);
    root.properties = { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' }, ...root.properties };
    byVersion.set(`${crd.spec.group}/${v.name}`, ajv.compile(root));
  }
  const fn = (obj: any) => {
    const validate = byVersion.get(obj.apiVersion);
    if (!validate) return [`${file} has no version ${obj.apiVersion}`];
    if (obj.kind !== crd.spec.names.kind) return [`kind ${obj.kind} is not ${crd.spec.names.kind}`];
    if (validate(obj)) return [];
    return (validate.errors ?? []).map((e: any) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
  };
  crdValidators.set(file, fn);
  return fn;
}

const openApiValidators = new Map<string, any>();

/**
 * A validator for `type` of a Kubernetes OpenAPI v3 file, unknown fields rejected (every object
 * schema with properties gets `additionalProperties: false`).
 */
function openApiValidator(file: string, type: string): ((o: any) => string[]) {
  let validate = openApiValidators.get(`${file}#${type}`);
  if (!validate) {
    const doc = JSON.parse(fs.readFileSync(schemaFile(file), 'utf8'));
    const strict = (v: any): any => {
      if (Array.isArray(v)) return v.map(strict);
      if (!v || typeof v !== 'object') return v;
      const out: any = {};
      for (const [k, x] of Object.entries(v)) out[k] = k === '$ref' ? String(x).replace('#/components/schemas/', '#/definitions/') : strict(x);
      if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
      return out;
    };
    const definitions = strict(doc.components.schemas);
    if (!definitions[type]) throw new Error(`${file} has no ${type}`);
    validate = new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile({ ...definitions[type], definitions });
    openApiValidators.set(`${file}#${type}`, validate);
  }
  const v = validate;
  return (o: any) => (v(o) ? [] : (v.errors ?? []).map((e: any) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`));
}

/**
 * Admission policies and bindings against the admissionregistration OpenAPI (unknown fields
 * rejected): MutatingAdmissionPolicy* against v1beta1's schema (Kubernetes 1.35; v1 in 1.36 has the
 * same fields), ValidatingAdmissionPolicy* against v1's.
 */
export function admissionProblems(o: any): string[] {
  const mutating = /^MutatingAdmissionPolicy(Binding)?$/.test(o.kind);
  const file = mutating ? 'k8s-admissionregistration-v1beta1-openapi.json' : 'k8s-admissionregistration-v1-openapi.json';
  const expected = mutating ? ['admissionregistration.k8s.io/v1', 'admissionregistration.k8s.io/v1beta1'] : ['admissionregistration.k8s.io/v1'];
  if (!expected.includes(o.apiVersion)) return [`apiVersion ${o.apiVersion}`];
  return openApiValidator(file, `io.k8s.api.admissionregistration.${mutating ? 'v1beta1' : 'v1'}.${o.kind}`)(o);
}

/** Validates every object: Kubernetes kinds strictly, known CRDs against their schema files. */
export function expectAllValid(objs: any[]) {
  const all: string[] = [];
  for (const o of objs) {
    let problems: string[];
    if (o.apiVersion === 'trust.cert-manager.io/v1alpha1') problems = [...crdValidator('trust-manager-bundle-crd.yaml')(o), ...bundleCelProblems(o)];
    else if (o.apiVersion === 'ray.io/v1') problems = crdValidator('raycluster-crd.yaml')(o);
    else if (o.kind === 'ClusterTrustBundle') problems = ctbProblems(o);
    else if (o.apiVersion === 'k8s.keycloak.org/v2alpha1') problems = crdValidator('keycloak-operator-keycloaks-crd.yaml')(o);
    else if (o.apiVersion === 'argoproj.io/v1beta1' && o.kind === 'ArgoCD') problems = crdValidator('argocd-operator-argocds-crd.yaml')(o);
    else if (/^admissionregistration\.k8s\.io\//.test(o.apiVersion)) problems = admissionProblems(o);
    else if (o.apiVersion === 'karpenter.k8s.aws/v1') problems = crdValidator('karpenter-ec2nodeclass-crd.yaml')(o);
    else if (o.apiVersion === 'config.openshift.io/v1' && o.kind === 'Proxy') problems = crdValidator('openshift-config-proxies-crd.yaml')(o);
    else if (o.apiVersion === 'config.openshift.io/v1' && o.kind === 'Image') problems = crdValidator('openshift-config-images-crd.yaml')(o);
    else problems = k8sProblems(o);
    for (const p of problems) all.push(`${o.kind}/${o.metadata?.name}: ${p}`);
  }
  if (all.length) throw new Error(`schema violations:\n${all.join('\n')}`);
}

/** The Bundle CRD's CEL rules, which JSON Schema validators ignore. */
export function bundleCelProblems(b: any): string[] {
  const p: string[] = [];
  const count = (o: any, ks: string[]) => ks.filter(k => o && o[k] !== undefined).length;
  (b.spec?.sources ?? []).forEach((s: any, i: number) => {
    if (count(s, ['configMap', 'secret', 'inLine', 'useDefaultCAs']) !== 1) p.push(`sources[${i}]: exactly one of configMap, secret, inLine, useDefaultCAs must be set`);
    for (const k of ['configMap', 'secret']) {
      if (s[k] && count(s[k], ['name', 'selector']) !== 1) p.push(`sources[${i}].${k}: exactly one of name, selector must be set`);
    }
  });
  const t = b.spec?.target;
  if (t) {
    if (count(t, ['configMap', 'secret']) < 1) p.push('target: at least one of configMap, secret must be set');
    if (t.additionalFormats && count(t.additionalFormats, ['jks', 'pkcs12']) < 1) p.push('target.additionalFormats: at least one of jks, pkcs12 must be set');
  }
  return p;
}

/** Validates z2jh values merged over the chart's 4.4.0 defaults against its values schema. */
export function z2jhProblems(values: any): string[] {
  const schema = YAML.parse(fs.readFileSync(schemaFile('z2jh-values.schema.yaml'), 'utf8'));
  const defaults = YAML.parse(fs.readFileSync(schemaFile('z2jh-values-4.4.0.defaults.yaml'), 'utf8'));
  const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
  return validate(deepMerge(defaults, values)) ? [] : (validate.errors ?? []).map((e: any) => `${e.instancePath} ${e.message}`);
}

/** Validates keycloakx values key by key against the chart's values schema. */
export function keycloakxProblems(values: any): string[] {
  const schema = JSON.parse(fs.readFileSync(schemaFile('keycloakx-values.schema.json'), 'utf8'));
  const ajv = new Ajv({ strict: false, allErrors: true });
  const out: string[] = [];
  for (const [k, val] of Object.entries(values)) {
    if (!schema.properties[k]) {
      out.push(`${k}: not a keycloakx value`);
      continue;
    }
    const validate = ajv.compile(schema.properties[k]);
    if (!validate(val)) out.push(...(validate.errors ?? []).map((e: any) => `${k}${e.instancePath} ${e.message}`));
  }
  return out;
}

function deepMerge(a: any, b: any): any {
  if (b === undefined) return a;
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const out: any = { ...a };
    for (const [k, v] of Object.entries(b)) out[k] = deepMerge(a[k], v);
    return out;
  }
  return b;
}


/**
 * A ClusterTrustBundle against the Kubernetes OpenAPI schema (1.35 v1beta1; v1 has the same
 * fields), unknown fields rejected, plus the API server's rules the schema does not carry: the
 * name prefix of a signer, PEM CERTIFICATE blocks only, no headers, no duplicates.
 */
export function ctbProblems(o: any): string[] {
  if (!['certificates.k8s.io/v1', 'certificates.k8s.io/v1beta1'].includes(o.apiVersion)) return [`apiVersion ${o.apiVersion}`];
  const out = openApiValidator('k8s-certificates-clustertrustbundle-openapi.json', 'io.k8s.api.certificates.v1beta1.ClusterTrustBundle')(o);
  const pem: string = o.spec?.trustBundle ?? '';
  const blocks = pem.match(/-----BEGIN [^-]+-----[\s\S]*?-----END [^-]+-----/g) ?? [];
  if (blocks.length === 0 || blocks.some(b => !b.startsWith('-----BEGIN CERTIFICATE-----'))) out.push('trustBundle: only PEM CERTIFICATE blocks');
  if (blocks.some(b => b.includes(':'))) out.push('trustBundle: PEM headers');
  if (new Set(blocks).size !== blocks.length) out.push('trustBundle: duplicate certificates');
  const signer = o.spec?.signerName;
  if (signer && !String(o.metadata?.name).startsWith(`${signer.replace(/\//g, ':')}:`)) out.push('metadata.name must start with the signer name');
  return out;
}
