/** InfluxDB line protocol: the write routes and the parser. */
export {
  type InfluxParseOptions,
  type InfluxParseResult,
  type InfluxPoint,
  type InfluxPrecision,
  parseLine,
  parseLineProtocol,
  parsePrecision,
  sanitizeName,
} from './parse.js';
export { INFLUX_PROTOCOL, registerInfluxRoutes } from './routes.js';
