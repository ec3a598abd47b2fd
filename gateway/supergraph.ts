import { readFile } from 'node:fs/promises';
import { unwatchFile, watchFile } from 'node:fs';
import type { SupergraphSdlHook } from '@apollo/gateway';
import type { Logger } from '../subgraphs/shared/logger.ts';

/**
 * Serves the committed supergraph file to @apollo/gateway and hands it every new version of
 * the file. Never introspects subgraphs, so the gateway starts while any of them is down.
 * Polling (not fs.watch) survives editors and deploy tools that replace the file by rename.
 */
export function supergraphFromFile(path: string, logger: Logger, pollMs = 500): SupergraphSdlHook {
  return async ({ update }) => {
    let current = await readFile(path, 'utf8');
    const onChange = async () => {
      try {
        const next = await readFile(path, 'utf8');
        if (next === current || next.trim() === '') return;
        update(next);
        current = next;
        logger.info({ path }, 'supergraph reloaded');
      } catch (error) {
        // A bad supergraph keeps the previous one in service.
        logger.error({ err: error, path }, 'supergraph reload failed; keeping the previous one');
      }
    };
    watchFile(path, { interval: pollMs }, () => void onChange());
    return { supergraphSdl: current, cleanup: async () => unwatchFile(path) };
  };
}
