import { ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { GraphQLFormattedError } from 'graphql';
import { GatewayContext } from './context';
import { QUERY_TOO_COMPLEX } from './limits';
import { GatewayEnv } from '../config';

/**
 * What production tells a client about the schema: nothing it did not already know.
 *
 *  - No landing page: Apollo's production default is an HTML page that loads scripts from Apollo's
 *    CDN and names the server's version. A GET of /graphql that asks for HTML follows the usual GET
 *    rules instead (401 without a token, 400 BAD_REQUEST without a preflight header, a JSON answer).
 *  - A document that does not validate gets ONE error, `The query is not valid for this API`, with
 *    no location: graphql-js's messages name types, fields and arguments (`Field "customer" of type
 *    "Customer" must have a selection of subfields`, `Cannot query field "x" on type "Email"`), and
 *    the locations and number of its errors show which of the fields sent exist, which is how a
 *    schema-recovery tool (clairvoyance) rebuilds a schema with introspection off. The query
 *    limits' refusal (`Query is too complex`) and introspection's (`GraphQL introspection is not
 *    allowed...`) name nothing and stay as they are.
 *  - A document that does not parse: `The query is not valid GraphQL`, at its location (the
 *    parser's message repeats the client's own tokens; it cannot name the schema).
 *
 * A client can still tell a valid document from an invalid one, one at a time: that is what a
 * GraphQL API is. Development keeps graphql-js's messages (without "Did you mean"), for the people
 * writing queries.
 */
export const INVALID_QUERY = 'The query is not valid for this API';
export const INVALID_SYNTAX = 'The query is not valid GraphQL';

/** Validation errors that name no schema element, kept as they are. */
function namesNothing(e: GraphQLFormattedError): boolean {
  return e.message === QUERY_TOO_COMPLEX || e.extensions?.validationErrorCode === 'INTROSPECTION_DISABLED';
}

export function withoutSchemaDetails(errors: readonly GraphQLFormattedError[]): GraphQLFormattedError[] {
  const out: GraphQLFormattedError[] = [];
  let hidden = false;
  for (const e of errors) {
    const code = e.extensions?.code;
    if (code === 'GRAPHQL_PARSE_FAILED') {
      out.push({ message: INVALID_SYNTAX, ...(e.locations ? { locations: e.locations } : {}), extensions: { code } });
    } else if (code === 'GRAPHQL_VALIDATION_FAILED' && !namesNothing(e)) {
      hidden = true;
    } else {
      out.push(e);
    }
  }
  if (hidden) out.push({ message: INVALID_QUERY, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
  return out;
}

function genericValidationErrors(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse(rc) {
          const body = rc.response.body;
          if (body.kind === 'single' && body.singleResult.errors?.length) body.singleResult.errors = withoutSchemaDetails(body.singleResult.errors);
        },
      };
    },
  };
}

/** The plugins production adds: no landing page, validation errors that name no schema element. */
export function productionPlugins(env: GatewayEnv): ApolloServerPlugin<GatewayContext>[] {
  return env === 'production' ? [ApolloServerPluginLandingPageDisabled(), genericValidationErrors()] : [];
}
