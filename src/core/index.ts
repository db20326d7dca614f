/** Shared domain types, errors, configuration and utilities used by every part of Vigil. */
export * from './clock.js';
export * from './config.js';
export * from './config-load.js';
export * from './duration.js';
export * from './errors.js';
export * from './free-port.js';
export * from './http.js';
export * from './json-float.js';
export * from './labels.js';
export * from './logger.js';
export * from './paths.js';
export * from './random.js';
export * from './selector.js';
export * from './ssrf.js';
export * from './stale.js';
export * from './types.js';
export * from './worker.js';
