// Types for dslab-plugin.mjs (plain JS so that eslint.config.js loads it without a TypeScript step).
import type { ESLint } from 'eslint';

export declare const layers: Readonly<Record<string, readonly string[]>>;
export declare const testEntryPoints: readonly string[];
export declare const nodeBuiltins: readonly string[];
export declare function isTestFile(path: string): boolean;
export declare function packageName(specifier: string): string;
declare const plugin: ESLint.Plugin;
export default plugin;
