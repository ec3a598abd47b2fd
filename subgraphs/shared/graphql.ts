/**
 * graphql-js as Apollo Server and @apollo/gateway load it. The package ships CommonJS (`index.js`)
 * and ES modules (`index.mjs`) side by side without an `exports` map: Node loads `index.js` for
 * everyone, but a bundler-style resolver (vitest's, for the project's own files) picks `index.mjs`,
 * and `instanceof` checks (a schema, a list type, a GraphQLError) then fail across the two copies.
 * The gateway's limits and a subgraph's executor hand schemas and errors back and forth with Apollo's
 * packages, so they import the file itself.
 */
export * from 'graphql/index.js';
