// Types for setup-system.mjs (plain JS: it runs before any dependency is installed), for tests that
// install the servers they need on demand.
export interface SystemPackage {
  /** A binary the project runs; its absence means the package is missing. */
  readonly binary: string;
  /** The Debian package that provides it. */
  readonly deb: string;
  readonly why: string;
}
export declare const systemPackages: readonly SystemPackage[];
export declare const benchPackages: readonly SystemPackage[];
export declare const serverPackages: readonly SystemPackage[];
export declare function serverPackage(deb: string): SystemPackage;
export declare function missingPackages(wanted?: readonly SystemPackage[]): SystemPackage[];
/** Installs what is missing; undefined when all is there, else one line saying why not. */
export declare function installPackages(wanted: readonly SystemPackage[]): string | undefined;
export declare function ensureSystemPackages(wanted?: readonly SystemPackage[]): void;
