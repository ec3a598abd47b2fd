import type { SubgraphName } from './catalog.ts';
import type { SubgraphModule } from './shared/module.ts';
import { unitsModule } from './units/server.ts';
import { declarationsModule } from './declarations/server.ts';
import { checkinsModule } from './checkins/server.ts';
import { tracingModule } from './tracing/server.ts';
import { testingModule } from './testing/server.ts';
import { vaccinationModule } from './vaccination/server.ts';
import { analyticsModule } from './analytics/server.ts';
import { provinceModule } from './province/server.ts';

/** Every subgraph's module by name: what the launcher, the services and the worker process start. */
export const SUBGRAPH_MODULES: Record<SubgraphName, SubgraphModule<any>> = {
  units: unitsModule,
  declarations: declarationsModule,
  checkins: checkinsModule,
  tracing: tracingModule,
  testing: testingModule,
  vaccination: vaccinationModule,
  analytics: analyticsModule,
  province: provinceModule,
};
