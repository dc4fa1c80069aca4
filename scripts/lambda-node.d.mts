// Types of scripts/lambda-node.mjs, for the TypeScript that imports it (test/).
export declare function defaultCacheRoot(): string;
export declare function lambdaNode(options?: { major?: number; cacheRoot?: string }): string;
