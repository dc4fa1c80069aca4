// A local Serverless Framework plugin: bundles the functions with esbuild
// (scripts/function-bundles.mjs) before `serverless package`, `deploy function`
// and `invoke local`, so the zips and local runs always hold fresh bundles.
import { buildFunctionBundles } from './function-bundles.mjs';

export default class BundleFunctionsPlugin {
  constructor(serverless, options) {
    this.serverless = serverless;
    this.options = options;
    const one = () => this.bundle([this.options.function]);
    this.hooks = {
      'before:package:createDeploymentArtifacts': () => this.bundle(),
      'before:deploy:function:packageFunction': one,
      'before:invoke:local:invoke': one,
    };
  }

  async bundle(names) {
    const sizes = await buildFunctionBundles({ root: this.serverless.serviceDir, names });
    for (const [name, bytes] of Object.entries(sizes)) {
      this.serverless.cli.log(`bundled ${name}: ${(bytes / 1024).toFixed(1)} KiB`);
    }
  }
}
