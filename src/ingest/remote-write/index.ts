/** Prometheus remote_write 1.0: the receiver route, the WriteRequest decoder and encoder. */
export { type DecodedWriteRequest, decodeWriteRequest, decodeWriteRequestSliced, snappyDeclaredLength } from './decode.js';
export { defaultDecodeWorkers, RemoteWriteDecoders, type RemoteWriteDecodersOptions } from './decoders.js';
export { encodeWriteRequest } from './encode.js';
export { REMOTE_WRITE_PROTOCOL, type RemoteWriteRouteDeps, registerRemoteWriteRoutes } from './routes.js';
export { snappyUncompress } from './snappy.js';
