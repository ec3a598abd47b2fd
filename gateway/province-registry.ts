import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { z } from 'zod';
import type { Logger } from '../subgraphs/shared/logger.ts';

/**
 * Province code → URL of that province's deployment of the province subgraph. Configuration, not
 * code: a JSON file `{ "provinces": { "79": "http://…/graphql" } }`, re-read when it changes, so a
 * province joins, moves or leaves without a gateway restart.
 */
const fileSchema = z.object({
  provinces: z.record(z.string().regex(/^\d{2}$/, 'province codes are two digits'), z.string().url()),
});

export class ProvinceRegistry {
  private urls: ReadonlyMap<string, string>;
  private stopWatching: (() => void) | undefined;

  private constructor(urls: Record<string, string>) {
    this.urls = new Map(Object.entries(urls));
  }

  static fromMap(urls: Record<string, string>): ProvinceRegistry {
    return new ProvinceRegistry(fileSchema.parse({ provinces: urls }).provinces);
  }

  /** Throws on a missing or invalid file at start; on reload, an invalid file keeps the previous registry. */
  static fromFile(path: string, logger: Logger, pollMs = 500): ProvinceRegistry {
    const registry = new ProvinceRegistry(readRegistryFile(path));
    const onChange = () => {
      try {
        registry.urls = new Map(Object.entries(readRegistryFile(path)));
        logger.info({ path, provinces: [...registry.urls.keys()] }, 'province registry reloaded');
      } catch (error) {
        logger.error({ err: error, path }, 'province registry reload failed; keeping the previous one');
      }
    };
    watchFile(path, { interval: pollMs }, onChange);
    registry.stopWatching = () => unwatchFile(path, onChange);
    return registry;
  }

  urlFor(code: string): string | undefined {
    return this.urls.get(code);
  }

  entries(): Array<[string, string]> {
    return [...this.urls];
  }

  close(): void {
    this.stopWatching?.();
  }
}

function readRegistryFile(path: string): Record<string, string> {
  const parsed = fileSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(`Invalid province registry ${path}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data.provinces;
}
