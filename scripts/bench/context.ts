// What every bench path is given: the settings from the command line, the development
// certificate both sides serve, and the catalog the app sells.
import type { Catalog } from '../../common/catalog';
import type { DevCertificate } from '../../common/dev-certs';
import type { BenchSettings } from './measure';
import type { BenchRow } from './report';

export interface BenchContext {
  settings: BenchSettings;
  certificate: DevCertificate;
  catalog: Catalog;
  /** The built server (dist/server/main.js) when there is one, else null. */
  builtServer: string | null;
  /** Progress lines (stderr), so stdout stays the table or the JSON. */
  log(message: string): void;
  /**
   * Node arguments for a measured process in `role` (app, emulator): with --cpu-prof DIR, V8's CPU
   * profiler writing <DIR>/<role>/*.cpuprofile when the process exits; else none.
   */
  profileArgs(role: 'app' | 'emulator'): string[];
}

export type BenchPath = (context: BenchContext) => Promise<BenchRow[]>;
