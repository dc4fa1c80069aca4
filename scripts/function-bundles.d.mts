// Types of scripts/function-bundles.mjs, for the TypeScript that imports it (bench/).
import type { BuildOptions } from 'esbuild';

export declare const FUNCTION_ENTRIES: Record<'reap' | 'disconnect' | 'heartbeat', string>;
export declare const BUNDLE_DIR: string;
export declare function lambdaRuntime(file?: string): {
  runtime: string;
  nodeMajor: number;
  target: string;
};
export declare function bundleOptions(options: { entry: string; outdir: string }): BuildOptions & {
  metafile: true;
};
export declare function buildFunctionBundles(options?: {
  root?: string;
  names?: string[];
}): Promise<Record<string, number>>;
