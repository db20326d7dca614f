/** OTLP/HTTP metrics: the receiver route, decoders for protobuf and JSON, and the OTel → Prometheus translation. */
export { decodeOtlpJson } from './decode-json.js';
export { decodeOtlpProtobuf, encodeOtlpResponse, encodeRpcStatus } from './decode-proto.js';
export type * from './model.js';
export { OTLP_PROTOCOL, type OtlpRouteOptions, registerOtlpRoutes } from './routes.js';
export {
  DeltaAccumulator,
  type OtlpTranslateOptions,
  type OtlpTranslation,
  otlpLabelName,
  otlpMetricName,
  translateOtlp,
} from './translate.js';
