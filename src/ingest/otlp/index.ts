/** OTLP/HTTP metrics: the receiver route, decoders for protobuf and JSON, and the OTel → Prometheus translation. */
export { decodeOtlpJson } from './decode-json.js';
export { decodeOtlpProtobufParts, encodeOtlpResponse, encodeRpcStatus } from './decode-proto.js';
export type * from './model.js';
export { otlpParts } from './parts.js';
export { OTLP_PROTOCOL, type OtlpRouteOptions, registerOtlpRoutes } from './routes.js';
export {
  DeltaAccumulator,
  type OtlpTranslateOptions,
  type OtlpTranslation,
  OtlpTranslator,
  otlpLabelName,
  otlpMetricName,
  translateOtlp,
} from './translate.js';
