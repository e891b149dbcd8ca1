import { GraphQLSchema } from 'graphql';
import { applyMiddleware } from 'graphql-middleware';
import { deny, or, rule, shield } from 'graphql-shield';
import { GatewayContext } from '../http/context';
import { GatewayError } from '../errors';
import { Role } from '../policy/pack.types';

/**
 * Role rules, carried by graphql-shield on ROOT fields only. Shield's own default is to allow
 * whatever has no rule; here every root field without a rule is denied (fallbackRule: deny).
 * Shield wraps each field it guards in an async middleware, so it is kept off the per-field
 * path: personal fields are guarded by the synchronous decision wrapper (enforce.ts) instead.
 */
const hasRole = (role: Role) => rule({ cache: 'contextual' })((_p, _a, ctx: GatewayContext) => ctx.caller.roles.includes(role));
const service = hasRole('service');
const dpo = hasRole('dpo');
const auditor = hasRole('auditor');
/** A DPO answering a right-of-access request reads the access log of one customer at a time. */
const dpoForOneCustomer = rule({ cache: 'strict' })((_p, args: { filter?: { customerId?: string | null } | null }, ctx: GatewayContext) => {
  if (!ctx.caller.roles.includes('dpo')) return false;
  return typeof args.filter?.customerId === 'string' || new GatewayError('FORBIDDEN', 'A DPO reads the access log of one customer: set filter.customerId');
});

export const ROLE_RULES = {
  Query: {
    customer: or(service, dpo),
    customers: or(service, dpo),
    explain: or(dpo, auditor),
    consentHistory: or(dpo, auditor),
    subjectExport: dpo,
    accessLog: or(auditor, dpoForOneCustomer),
    accessStats: auditor,
    rightsRequests: or(dpo, auditor),
    rectifications: or(dpo, auditor),
    minorsWithoutGuardianConsent: dpo,
  },
  Mutation: {
    grantConsent: or(dpo, service),
    withdrawConsent: or(dpo, service),
    recordObjection: or(dpo, service),
    removeObjection: dpo,
    restrictProcessing: dpo,
    liftRestriction: dpo,
    recordRightsRequest: dpo,
    completeRightsRequest: dpo,
    refuseRightsRequest: dpo,
    requestRectification: dpo,
    resolveRectification: dpo,
    eraseCustomer: dpo,
    eraseMinorsWithoutGuardianConsent: dpo,
  },
};

export function applyRoleRules(schema: GraphQLSchema): GraphQLSchema {
  const forbidden = new GatewayError('FORBIDDEN', 'The caller\'s roles do not allow this operation');
  const generator = shield(ROLE_RULES, { fallbackRule: deny, fallbackError: forbidden, allowExternalErrors: true });
  const full = generator.generate(schema) as Record<string, unknown>;
  const rootTypes = [schema.getQueryType(), schema.getMutationType()].filter(Boolean).map((t) => t!.name);
  const rootOnly = Object.fromEntries(rootTypes.map((name) => [name, full[name]]));
  return applyMiddleware(schema, rootOnly as never);
}
