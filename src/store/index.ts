export { type Migration, migrate } from "./migrations.ts";
export { BackgroundUnavailableError, type BackgroundWriter } from "./sqlite-background.ts";
export { type Dialect, type OpenStoreOptions, openStore, StorageError, type Store } from "./store.ts";
