import { packageVersion } from '../core/paths.js';

/** Vigil's version from package.json. */
export const VERSION = packageVersion();
