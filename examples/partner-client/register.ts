/**
 * npm run partner:codegen (after GraphQL Code Generator)
 * Turns the client preset's persisted-documents manifest (src/gql/persisted-documents.json:
 * "sha256:<id>" → body) into the manifest the hub loads, in the format Apollo's
 * generate-persisted-query-manifest writes, as config/trusted-documents/<client>.json.
 * In a real deployment the partner sends this file to the national center, which reviews the
 * operations and installs the file in the gateway's TRUSTED_DOCUMENTS_DIR.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { manifestOf, type PersistedQueryManifest } from '../../gateway/trusted-documents.ts';

/** The demo partner's client: the `sub` of its token and the name of its manifest file. */
export const PARTNER_CLIENT = 'partner-acme';
export const PERSISTED_DOCUMENTS = fileURLToPath(new URL('./src/gql/persisted-documents.json', import.meta.url));
export const REGISTERED_MANIFEST = fileURLToPath(new URL(`../../config/trusted-documents/${PARTNER_CLIENT}.json`, import.meta.url));

/** The hub's manifest for a client-preset persisted-documents file. */
export function manifestFromPersistedDocuments(json: string): PersistedQueryManifest {
  return manifestOf(Object.values(JSON.parse(json) as Record<string, string>));
}

export function manifestText(manifest: PersistedQueryManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const manifest = manifestFromPersistedDocuments(readFileSync(PERSISTED_DOCUMENTS, 'utf8'));
  writeFileSync(REGISTERED_MANIFEST, manifestText(manifest));
  console.log(`registered ${manifest.operations.map((op) => op.name).join(', ')} for ${PARTNER_CLIENT} in ${REGISTERED_MANIFEST}`);
}
