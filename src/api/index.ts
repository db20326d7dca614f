/** The HTTP API: the server composition, authentication, and Vigil's own routes. */
export { type AppOptions, createApp, type RouteInfo } from './app.js';
export { AuthStore, type Bootstrap, type KeyInfo, type UserInfo } from './auth/auth-store.js';
export { CSRF_HEADER, SESSION_COOKIE } from './auth/hook.js';
export { type RunningServer, type ServerOptions, startServer } from './server.js';
