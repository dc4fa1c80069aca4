// A local Serverless Framework plugin: bundles the functions with esbuild
// (scripts/function-bundles.mjs) before `serverless package`, `deploy function`
// and `invoke local`, so the zips and local runs always hold fresh bundles,
// and reports each zip's size: what Lambda deploys and counts against its limits.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BUNDLE_DIR, buildFunctionBundles } from './function-bundles.mjs';

const kib = (bytes) =>
  `${(bytes / 1024).toLocaleString('en-US', { maximumFractionDigits: 1 })} KiB`;

/** Bytes of every file under `dir`. */
const sizeOf = (dir) =>
  readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .reduce((sum, entry) => sum + statSync(join(entry.parentPath, entry.name)).size, 0);

export default class BundleFunctionsPlugin {
  constructor(serverless, options) {
    this.serverless = serverless;
    this.options = options;
    this.entrySizes = {};
    const one = () => this.bundle([this.options.function]);
    this.hooks = {
      'before:package:createDeploymentArtifacts': () => this.bundle(),
      'after:package:createDeploymentArtifacts': () => this.reportZips(),
      'before:deploy:function:packageFunction': one,
      'after:deploy:function:packageFunction': () => this.reportZips([this.options.function]),
      'before:invoke:local:invoke': one,
    };
  }

  async bundle(names) {
    Object.assign(
      this.entrySizes,
      await buildFunctionBundles({ root: this.serverless.serviceDir, names }),
    );
  }

  reportZips(names = this.serverless.service.getAllFunctions()) {
    for (const name of names) {
      const artifact = this.serverless.service.getFunction(name).package?.artifact;
      if (!artifact) continue;
      const unzipped = sizeOf(join(this.serverless.serviceDir, BUNDLE_DIR, name));
      this.serverless.cli.log(
        `${name}: ${kib(statSync(artifact).size)} zip to deploy ` +
          `(${kib(unzipped)} unzipped, entry bundle ${kib(this.entrySizes[name] ?? 0)})`,
      );
    }
  }
}
