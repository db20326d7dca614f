/** Prometheus remote_write 1.0: the receiver route, the WriteRequest decoder and encoder. */
export { type DecodedWriteRequest, decodeWriteRequest, decodeWriteRequestSliced, snappyDeclaredLength } from './decode.js';
export { encodeWriteRequest } from './encode.js';
export { REMOTE_WRITE_PROTOCOL, registerRemoteWriteRoutes, snappyUncompress } from './routes.js';
