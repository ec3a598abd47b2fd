import { fileURLToPath } from 'node:url';

/** The subgraphs of the hub, in the order they are composed and started. */
export const SUBGRAPH_NAMES = ['units', 'declarations', 'checkins', 'tracing', 'testing', 'vaccination', 'analytics', 'province'] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];

/** Default local ports: national subgraphs on 4001–4007, a province deployment on 4100 + its code. */
export const NATIONAL_PORTS = { units: 4001, declarations: 4002, checkins: 4003, tracing: 4004, testing: 4005, vaccination: 4006, analytics: 4007 } as const;
export const provincePort = (code: string): number => 4100 + Number(code);

export function defaultSubgraphUrl(name: SubgraphName, provinceCode = '79'): string {
  const port = name === 'province' ? provincePort(provinceCode) : NATIONAL_PORTS[name];
  return `http://127.0.0.1:${port}/graphql`;
}

/** Each subgraph's SDL lives in exactly one file, next to its resolvers. */
export function schemaFile(name: SubgraphName): string {
  return fileURLToPath(new URL(`./${name}/schema.graphql`, import.meta.url));
}
