import { FieldNode, GraphQLFormattedError, GraphQLResolveInfo, responsePathAsArray } from 'graphql';
import { Decision } from '../policy/decide';
import { GatewayError, withoutStack } from '../errors';
import { GatewayContext } from '../http/context';

/**
 * A denied field: the resolver returns null and the request collects the field's error
 * (`FORBIDDEN_BY_POLICY`, reason, category, rule, path), which the respond stage appends to the
 * response's errors (http/graphql-plugin.ts). A response may carry thousands of these. Going
 * through graphql-js as a thrown error costs, per field, a throw and catch, a located copy and
 * Apollo's formatting (3-4 objects each): together the largest part of enforcement's cost
 * (`npm run bench`). Denials of the same field node and decision differ only in path, so each
 * is built from a template made once, as a GatewayError, so the shape stays the hierarchy's.
 */
type Template = Omit<GraphQLFormattedError, 'path'>;
const templates = new WeakMap<FieldNode, Map<string, Template>>();

export function denyField(ctx: GatewayContext, d: Decision, category: string, info: GraphQLResolveInfo): null {
  const node = info.fieldNodes[0];
  let byDecision = templates.get(node);
  if (!byDecision) templates.set(node, (byDecision = new Map()));
  const key = `${category}|${d.reason}|${d.rule}`;
  let t = byDecision.get(key);
  if (!t) {
    const { message, locations, extensions } = withoutStack(
      () => new GatewayError('FORBIDDEN_BY_POLICY', `Not available for this purpose: ${d.reason}`, { reason: d.reason, category, rule: d.rule }, { nodes: info.fieldNodes }),
    ).toJSON();
    t = Object.freeze({ message, ...(locations ? { locations } : {}), extensions: Object.freeze({ ...extensions }) });
    byDecision.set(key, t);
  }
  ctx.denials.push(t.locations ? { message: t.message, locations: t.locations, path: responsePathAsArray(info.path), extensions: t.extensions } : { message: t.message, path: responsePathAsArray(info.path), extensions: t.extensions });
  return null;
}
