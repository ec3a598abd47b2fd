import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The third-party administrative-unit files, read in place from ../shared (never copied into the repo). */
export const VN_ADMIN_DIR = fileURLToPath(new URL('../../../shared/data/vn-admin/', import.meta.url));
export const hasVnAdminData = existsSync(`${VN_ADMIN_DIR}units-34-provinces.csv`);
