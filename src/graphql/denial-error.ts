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
 * (A field node has one category: it selects one field of one object type.)
 */
type Template = Omit<GraphQLFormattedError, 'path'>;
/** field node -> reason -> rule -> template (strings the decision already holds: no key to build per denial). */
const templates = new WeakMap<FieldNode, Map<string | null, Map<string, Template>>>();

export function denyField(ctx: GatewayContext, d: Decision, category: string, info: GraphQLResolveInfo): null {
  const node = info.fieldNodes[0];
  let byReason = templates.get(node);
  if (!byReason) templates.set(node, (byReason = new Map()));
  let byRule = byReason.get(d.reason);
  if (!byRule) byReason.set(d.reason, (byRule = new Map()));
  let t = byRule.get(d.rule);
  if (!t) {
    const { message, locations, extensions } = withoutStack(
      () => new GatewayError('FORBIDDEN_BY_POLICY', `Not available for this purpose: ${d.reason}`, { reason: d.reason, category, rule: d.rule }, { nodes: info.fieldNodes }),
    ).toJSON();
    t = Object.freeze({ message, ...(locations ? { locations } : {}), extensions: Object.freeze({ ...extensions }) });
    byRule.set(d.rule, t);
  }
  ctx.denials.push(t.locations ? { message: t.message, locations: t.locations, path: responsePathAsArray(info.path), extensions: t.extensions } : { message: t.message, path: responsePathAsArray(info.path), extensions: t.extensions });
  return null;
}
