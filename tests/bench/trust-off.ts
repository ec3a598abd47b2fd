import type { SubgraphModule } from '../../subgraphs/shared/module.ts';

/**
 * The trust benchmark's baseline, and only there: a module whose subgraph writes no audit records
 * (its audit hooks removed) and reads every request as a national official (the access policy
 * then refuses and masks nothing). Production builders have no such switch: the policy and the
 * audit always apply. tests/integration/{checkins,tracing}-audit.test.ts check that the baseline
 * still answers, and writes nothing, so this bench cannot rot silently.
 */
export function trustOff<T extends Record<string, unknown>>(module: SubgraphModule<T>): SubgraphModule<T> {
  return {
    ...module,
    build: (db, config) => {
      const definition = module.build(db, config);
      return {
        ...definition,
        hooks: [],
        createContext: (identity) => definition.createContext({ ...identity, role: 'national_official', jurisdiction: 'all' }),
      };
    },
  };
}
