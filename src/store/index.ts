export { type Migration, migrate } from "./migrations.ts";
export { type Dialect, type OpenStoreOptions, openStore, StorageError, type Store } from "./store.ts";
