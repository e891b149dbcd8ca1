import 'reflect-metadata';
import { GraphQLSchema, lexicographicSortSchema, specifiedDirectives } from 'graphql';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { buildSchemaSync } from 'type-graphql';
import { categoryDirective } from './category.directive';
import { maxLengthDirective } from './input-limits';
import { AccountResolver, CustomerResolver } from './resolvers/customer.resolver';
import { CustomerStateResolver } from './resolvers/customer-state.resolver';
import { ExplainResolver } from './resolvers/explain.resolver';
import { AccessLogResolver } from './resolvers/access-log.resolver';
import { SubjectExportResolver } from './resolvers/subject-export.resolver';
import { RightsResolver } from './resolvers/rights.resolver';
import { enforceCategories } from './enforce';
import { applyRoleRules } from './roles';

/**
 * Builds the gateway schema: type-graphql types and resolvers, then the decision wrapper on every
 * tagged field, then role rules on root fields. `enforce: false` exists for the benchmark's
 * baseline only; the server always enforces.
 */
export const RESOLVERS = [CustomerResolver, AccountResolver, CustomerStateResolver, ExplainResolver, AccessLogResolver, SubjectExportResolver, RightsResolver] as const;

export function buildBareSchema(): GraphQLSchema {
  return buildSchemaSync({ resolvers: [...RESOLVERS] as never, directives: [...specifiedDirectives, categoryDirective, maxLengthDirective], validate: false });
}

export function buildGatewaySchema(opts: { enforce: boolean } = { enforce: true }): GraphQLSchema {
  const schema = buildBareSchema();
  if (!opts.enforce) return schema;
  return applyRoleRules(enforceCategories(schema));
}

/** The committed schema.graphql text, with the @category tags. */
export function printGatewaySchema(): string {
  return `# Generated from the type-graphql code by \`npm run schema\`; a test fails when it is stale.\n\n${printSchemaWithDirectives(lexicographicSortSchema(buildBareSchema()))}\n`;
}
