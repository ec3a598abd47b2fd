/**
 * npm run schema:compose  — composes every subgraph's SDL into schema/supergraph.graphql.
 * npm run schema:check    — fails when the committed supergraph differs from a fresh composition.
 */
import { composeServices } from '@apollo/composition';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { relative } from 'node:path';
import { parse, Source, type GraphQLError } from 'graphql';
import { defaultSubgraphUrl, schemaFile, SUBGRAPH_NAMES } from '../subgraphs/catalog.ts';

export const SUPERGRAPH_FILE = fileURLToPath(new URL('./supergraph.graphql', import.meta.url));

export type CompositionOutcome = { ok: true; supergraphSdl: string } | { ok: false; errors: string[] };

export function composeSupergraph(): CompositionOutcome {
  const services = SUBGRAPH_NAMES.map((name) => {
    const path = schemaFile(name);
    return {
      name,
      // The URL in the supergraph is only a default: the gateway maps each subgraph to its configured URL.
      url: defaultSubgraphUrl(name),
      typeDefs: parse(new Source(readFileSync(path, 'utf8'), relative(process.cwd(), path))),
    };
  });
  const result = composeServices(services);
  if (result.errors) return { ok: false, errors: result.errors.map(describeError) };
  return { ok: true, supergraphSdl: `${result.supergraphSdl.trimEnd()}\n` };
}

/** `[CODE] message` plus every location as `file:line:column`, so an error points at the SDL that causes it. */
function describeError(error: GraphQLError): string {
  const code = typeof error.extensions?.code === 'string' ? `[${error.extensions.code}] ` : '';
  const locations = (error.nodes ?? [])
    .map((node) => {
      const loc = node.loc;
      if (!loc) return null;
      const { line, column } = loc.source.locationOffset;
      const before = loc.source.body.slice(0, loc.start).split('\n');
      return `    at ${loc.source.name}:${before.length + line - 1}:${(before.at(-1)?.length ?? 0) + column}`;
    })
    .filter((l): l is string => l !== null);
  return [`${code}${error.message}`, ...locations].join('\n');
}

function main(): void {
  const check = process.argv.includes('--check');
  const outcome = composeSupergraph();
  if (!outcome.ok) {
    console.error(`Composition failed with ${outcome.errors.length} error(s):\n\n${outcome.errors.join('\n\n')}`);
    process.exit(1);
  }
  if (check) {
    let committed = '';
    try {
      committed = readFileSync(SUPERGRAPH_FILE, 'utf8');
    } catch {
      /* missing counts as stale */
    }
    if (committed !== outcome.supergraphSdl) {
      console.error('schema/supergraph.graphql is stale: run `npm run schema:compose` and commit the result.');
      process.exit(1);
    }
    console.log('schema/supergraph.graphql is up to date.');
    return;
  }
  writeFileSync(SUPERGRAPH_FILE, outcome.supergraphSdl);
  console.log(`Wrote ${relative(process.cwd(), SUPERGRAPH_FILE)} (${SUBGRAPH_NAMES.length} subgraphs).`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
