export { type ConfigFlags, type ConfigSource, loadConfig, parseConfigText, type TroupeConfig } from "./config.ts";
export {
  ConfigSchema,
  type EndpointConfig,
  EndpointSchema,
  type Price,
  PriceSchema,
  type ServeConfig,
  type ServePolicyConfig,
  ServePolicySchema,
  ServeSchema,
} from "./config-schema.ts";
export { ExitCode, type ExitCodeValue } from "./exit-code.ts";
export { createLogger, type Logger, silentLogger } from "./logger.ts";
export { maskSecret, redactSecrets, redactUrl } from "./redact.ts";
export { createRng, type Rng, seedFrom } from "./rng.ts";
export { canonicalJson, sha256, stableHash } from "./stable-hash.ts";
export { ConfigError, isTroupeError, TroupeError, type TroupeErrorOptions, UsageError } from "./troupe-error.ts";
export { troupeHome } from "./troupe-home.ts";
