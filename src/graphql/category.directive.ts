import { DirectiveLocation, GraphQLDirective, GraphQLField, GraphQLNonNull, GraphQLString, Kind } from 'graphql';
import { Directive, Extensions } from 'type-graphql';
import { isKnownCategory } from '../policy/taxonomy';

/**
 * `@category(name: "contact.email")` marks a field as holding personal data of that category.
 * It is declared once, on the type-graphql field, and is the single source of truth: the planner,
 * the decision wrapper and the schema-coverage test all read it back from the built schema.
 */
export const categoryDirective = new GraphQLDirective({
  name: 'category',
  description: 'The data category (dotted, hierarchical taxonomy) of the personal data this field holds.',
  locations: [DirectiveLocation.FIELD_DEFINITION],
  args: { name: { type: new GraphQLNonNull(GraphQLString) } },
});

/** Decorator: tags a type-graphql field with its data category. Unknown categories fail at import. */
export function Category(name: string): PropertyDecorator & MethodDecorator {
  if (!isKnownCategory(name)) throw new Error(`@Category("${name}") is not in the taxonomy (src/policy/taxonomy.ts)`);
  return Directive(`@category(name: "${name}")`) as PropertyDecorator & MethodDecorator;
}

/** The category declared on a schema field, or null for a non-personal field. */
export function categoryOf(field: GraphQLField<unknown, unknown>): string | null {
  const d = field.astNode?.directives?.find((x) => x.name.value === 'category');
  const arg = d?.arguments?.find((a) => a.name.value === 'name');
  return arg && arg.value.kind === Kind.STRING ? arg.value.value : null;
}

/**
 * Decorator: marks the subject's key (`Customer.id`), the one untagged leaf of a record that is
 * not gated by the record's categories: it is the value the caller looked the customer up by.
 * Every other untagged leaf of a record is its metadata, shown only with its data (enforce.ts).
 */
export function SubjectKey(): PropertyDecorator & MethodDecorator {
  return Extensions({ subjectKey: true }) as PropertyDecorator & MethodDecorator;
}

export function isSubjectKey(field: GraphQLField<unknown, unknown>): boolean {
  return field.extensions?.subjectKey === true;
}
