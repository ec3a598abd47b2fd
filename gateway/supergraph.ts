import { readFile } from 'node:fs/promises';
import { unwatchFile, watchFile } from 'node:fs';
import type { SupergraphSdlHook } from '@apollo/gateway';
import type { Logger } from '../subgraphs/shared/logger.ts';
import { supergraphForGateway } from './authorization/requirements.ts';

/**
 * Serves the committed supergraph file to @apollo/gateway and hands it every new version of
 * the file. Never introspects subgraphs, so the gateway starts while any of them is down.
 * Polling (not fs.watch) survives editors and deploy tools that replace the file by rename.
 *
 * Every version, the first and each reload, goes through `supergraphForGateway`: the
 * `for: SECURITY` marker of @authenticated / @requiresScopes is removed (@apollo/gateway 2.14
 * refuses it; the gateway enforces them itself, see gateway/authorization.ts, from the text it
 * hands over here). A file that cannot be read that way keeps the previous supergraph in service.
 */
export function supergraphFromFile(path: string, logger: Logger, pollMs = 500): SupergraphSdlHook {
  return async ({ update }) => {
    let current = await readFile(path, 'utf8');
    const first = supergraphForGateway(current);
    const onChange = async () => {
      try {
        const next = await readFile(path, 'utf8');
        if (next === current || next.trim() === '') return;
        update(supergraphForGateway(next));
        current = next;
        logger.info({ path }, 'supergraph reloaded');
      } catch (error) {
        // A bad supergraph keeps the previous one in service.
        logger.error({ err: error, path }, 'supergraph reload failed; keeping the previous one');
      }
    };
    watchFile(path, { interval: pollMs }, () => void onChange());
    return { supergraphSdl: first, cleanup: async () => unwatchFile(path) };
  };
}
