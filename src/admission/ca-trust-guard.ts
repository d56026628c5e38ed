/**
 * A guard: a ValidatingAdmissionPolicy that lets only named identities create, change or delete
 * what every pod trusts, so "can write a ConfigMap in the namespace" no longer means "can change
 * the org CA".
 */
import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { CaAdmissionPolicy } from './ca-admission-policy';
import { parseExpression } from './evaluate';
import { OrgCaBundle } from '../bundle/org-ca-bundle';
import { clusterScoped, managedMetadata } from '../util/metadata';
import { checkDnsSubdomain } from '../util/validate';

/** Identities Kubernetes itself uses to delete objects: never locked out, or namespaces could not be deleted. */
export const GUARD_SYSTEM_DELETERS = [
  'system:serviceaccount:kube-system:namespace-controller',
  'system:serviceaccount:kube-system:generic-garbage-collector',
];

/** Props of `CaTrustGuard`. */
export interface CaTrustGuardProps {
  /** The bundle whose carriers are guarded: its ConfigMaps (in every namespace), trust-manager Bundle, ClusterTrustBundle. */
  readonly bundle: OrgCaBundle;
  /**
   * Users that may create, change and delete them: the identity that deploys the bundle (e.g.
   * "system:serviceaccount:argocd:argocd-application-controller"). At least one user or group.
   *
   * @default - none
   */
  readonly allowedUsers?: string[];
  /**
   * Groups that may do so (e.g. "system:masters", "platform-admins").
   *
   * @default - none
   */
  readonly allowedGroups?: string[];
  /**
   * trust-manager's service account, which writes the ConfigMaps a Bundle projects.
   *
   * @default "system:serviceaccount:cert-manager:trust-manager" (when the bundle has a trust-manager Bundle)
   */
  readonly trustManagerServiceAccount?: string;
  /**
   * Admission policies whose policy and binding are guarded too.
   *
   * @default - none
   */
  readonly admissionPolicies?: CaAdmissionPolicy[];
  /**
   * Name of the guard policy and binding.
   *
   * @default "org-ca-guard"
   */
  readonly name?: string;
  /**
   * Emit the guard. `false` adds none.
   *
   * @default true
   */
  readonly enabled?: boolean;
}

const IDENTITY_RE = /^[A-Za-z0-9:._@-]+$/;
const list = (xs: string[]) => `[${xs.map(x => JSON.stringify(x)).join(', ')}]`;

/**
 * A `ValidatingAdmissionPolicy` (`admissionregistration.k8s.io/v1`, GA since Kubernetes 1.30) and
 * its binding (`Deny`) that refuse any CREATE, UPDATE or DELETE of the bundle's ConfigMaps (by
 * name, in every namespace), its trust-manager Bundle and ClusterTrustBundle, and the given
 * admission policies and bindings, unless the request comes from an allowed user or group,
 * trust-manager's service account, or (for DELETE) the namespace controller and the garbage
 * collector. `failurePolicy: Fail`: an error refuses the change. Kubernetes exempts
 * ValidatingAdmissionPolicies themselves from admission, so who may edit the guard is RBAC's.
 */
export class CaTrustGuard extends Construct {
  /** The guard policy, when enabled. */
  public readonly policy?: ApiObject;
  /** Its binding, when enabled. */
  public readonly binding?: ApiObject;

  constructor(scope: Construct, id: string, props: CaTrustGuardProps) {
    super(scope, id);
    if (props.enabled === false) return;
    const name = checkDnsSubdomain('CaTrustGuard name', props.name ?? 'org-ca-guard');
    const users = [...(props.allowedUsers ?? [])];
    const groups = [...(props.allowedGroups ?? [])];
    if (users.length + groups.length === 0) {
      throw new Error('CaTrustGuard: allowedUsers and allowedGroups are both empty, so nobody could deploy a new CA; name the identity that deploys the bundle, e.g. allowedUsers: ["system:serviceaccount:argocd:argocd-application-controller"]');
    }
    for (const x of [...users, ...groups]) {
      if (!IDENTITY_RE.test(x)) throw new Error(`CaTrustGuard: ${JSON.stringify(x)} is not a user or group name (letters, digits, ":", ".", "_", "@", "-")`);
    }
    const bundle = props.bundle;
    const trustManager = bundle.trustManagerBundle ? [props.trustManagerServiceAccount ?? 'system:serviceaccount:cert-manager:trust-manager'] : [];
    const policies = props.admissionPolicies ?? [];
    // the names are read at synth time: ConfigMaps added to the bundle after the guard count too
    const guarded = Lazy.any({
      produce: () => {
        const c = bundle._carriers();
        const names = (xs: Array<ApiObject | undefined>) => xs.filter((x): x is ApiObject => !!x).map(x => x.name);
        const expr = [
          `(request.resource.group == "" && request.resource.resource == "configmaps" && request.name in ${list(c.configMaps)})`,
          ...(c.bundles.length ? [`(request.resource.group == "trust.cert-manager.io" && request.resource.resource == "bundles" && request.name in ${list(c.bundles)})`] : []),
          ...(c.clusterTrustBundles.length ? [`(request.resource.group == "certificates.k8s.io" && request.resource.resource == "clustertrustbundles" && request.name in ${list(c.clusterTrustBundles)})`] : []),
          ...(policies.length ? [
            `(request.resource.group == "admissionregistration.k8s.io" && request.resource.resource == "mutatingadmissionpolicies" && request.name in ${list(names(policies.map(p => p.policy)))})`,
            `(request.resource.group == "admissionregistration.k8s.io" && request.resource.resource == "mutatingadmissionpolicybindings" && request.name in ${list(names(policies.map(p => p.binding)))})`,
          ] : []),
        ].join(' || ');
        parseExpression(expr, 'CaTrustGuard matchCondition');
        return [{ name: 'a-carrier-of-the-org-ca', expression: expr }];
      },
    });
    const allowed = [
      `request.userInfo.username in ${list([...users, ...trustManager])}`,
      ...(groups.length ? [`(has(request.userInfo.groups) && request.userInfo.groups.exists(g, g in ${list(groups)}))`] : []),
      `(request.operation == "DELETE" && request.userInfo.username in ${list(GUARD_SYSTEM_DELETERS)})`,
    ].join(' || ');
    parseExpression(allowed, 'CaTrustGuard validation');
    const who = [...users, ...groups.map(g => `group ${g}`), ...trustManager].join(', ');
    const op = (g: string, v: string, r: string[]) => ({ apiGroups: [g], apiVersions: [v], operations: ['CREATE', 'UPDATE', 'DELETE'], resources: r });
    this.policy = clusterScoped(new ApiObject(this, 'policy', {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: managedMetadata(name),
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          resourceRules: [
            op('', 'v1', ['configmaps']),
            op('trust.cert-manager.io', '*', ['bundles']),
            op('certificates.k8s.io', '*', ['clustertrustbundles']),
            op('admissionregistration.k8s.io', '*', ['mutatingadmissionpolicies', 'mutatingadmissionpolicybindings']),
          ],
        },
        matchConditions: guarded,
        validations: [{
          expression: allowed,
          message: `only ${who} may create, change or delete what every pod trusts (the org CA's ConfigMaps, Bundle, ClusterTrustBundle and admission policy)`,
          reason: 'Forbidden',
        }],
      },
    }));
    this.binding = clusterScoped(new ApiObject(this, 'binding', {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: managedMetadata(name),
      spec: { policyName: name, validationActions: ['Deny'] },
    }));
  }
}
