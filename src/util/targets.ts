import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';

/**
 * The Kubernetes objects a component's `applyTo(target)` works on: `target` itself when it is an
 * ApiObject; its default child (a cdk8s-plus workload); or, for a construct holding several
 * objects (an `Include` of a render), those `accept` takes. An error names what the target holds
 * and what to pass when there is none.
 * @param who the caller, in messages ("ArgoRepoServerCa.applyTo")
 * @param wanted what it wires, in messages ("the Argo CD repo-server Deployment")
 * @internal
 */
export function targetObjects(target: IConstruct, who: string, wanted: string, accept: (o: ApiObject) => boolean): ApiObject[] {
  if (ApiObject.isApiObject(target)) return [target as ApiObject];
  for (let c: IConstruct | undefined = target.node.defaultChild; c; c = c.node.defaultChild) {
    if (ApiObject.isApiObject(c)) return [c as ApiObject];
  }
  const all = target.node.findAll().filter(c => ApiObject.isApiObject(c)) as ApiObject[];
  const ours = all.filter(accept);
  if (ours.length > 0) return ours;
  const held = all.length === 0
    ? 'holds no Kubernetes object'
    : `holds ${all.slice(0, 6).map(o => `${o.kind} "${o.name}"`).join(', ')}${all.length > 6 ? ` and ${all.length - 6} more` : ''}, none of them ${wanted}`;
  throw new Error(`${who}: "${target.node.path}" ${held}; pass ${wanted} (the ApiObject, an Include that holds it, or a cdk8s-plus workload)`);
}
