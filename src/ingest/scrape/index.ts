/** The scraper: pulls Prometheus text exposition and OpenMetrics from configured targets. */
export {
  type ExpositionFormat,
  type ExpositionResult,
  type ExpositionSample,
  formatFromContentType,
  parseExposition,
  parseExpositionFloat,
} from './exposition.js';
export { type ScrapeJob, type ScrapeOutcome, Scraper, type ScraperOptions, type TargetStatus } from './scraper.js';
