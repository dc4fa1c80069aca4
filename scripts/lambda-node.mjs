// The Node.js that the Lambda runtime of serverless.yml runs (nodejs24.x ->
// Node 24), taken from the `node` npm package and kept in a cache folder, so
// the packaged functions can be run on it on a machine whose own Node is older.
// `node scripts/lambda-node.mjs` installs it (CI does, before the tests) and
// prints the binary's path; the packaged-artifact test calls lambdaNode().
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { lambdaRuntime } from './function-bundles.mjs';

/** `$XDG_CACHE_HOME/car-reaper` (or `~/.cache/car-reaper`): shared by every checkout. */
export const defaultCacheRoot = () =>
  join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'car-reaper');

const versionOf = (binary) => {
  const result = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
};

/**
 * Path of a `node` binary of the given major, installed from the `node` npm
 * package (`node@<major>`) into `<cacheRoot>/node-<major>` on first use. Throws
 * an error that says what could not be installed and how to do it by hand.
 */
export function lambdaNode({
  major = lambdaRuntime().nodeMajor,
  cacheRoot = defaultCacheRoot(),
} = {}) {
  const folder = join(cacheRoot, `node-${major}`);
  const binary = join(folder, 'node_modules', 'node', 'bin', 'node');
  if (existsSync(binary) && versionOf(binary)?.startsWith(`v${major}.`)) return binary;

  const spec = `node@${major}`;
  mkdirSync(cacheRoot, { recursive: true });
  // Installed beside the final folder and renamed into place: two test runs
  // installing at once never see a half-written binary.
  const staging = mkdtempSync(join(cacheRoot, `.node-${major}-`));
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(
    npm,
    [
      'install',
      '--prefix',
      staging,
      '--no-save',
      '--no-package-lock',
      '--no-audit',
      '--no-fund',
      spec,
    ],
    { encoding: 'utf8', timeout: 600_000 },
  );
  const staged = join(staging, 'node_modules', 'node', 'bin', 'node');
  const version = result.status === 0 ? versionOf(staged) : undefined;
  if (!version?.startsWith(`v${major}.`)) {
    rmSync(staging, { recursive: true, force: true });
    const why = result.error
      ? result.error.message
      : result.status !== 0
        ? `npm exited ${result.status}: ${(result.stderr || result.stdout).trim().slice(-2000)}`
        : `the installed binary reports ${version ?? 'no version'} (the package's install script may not have run)`;
    throw new Error(
      `cannot install ${spec} from npm into ${folder}: ${why}\n` +
        `The packaged functions are run on Node.js ${major}, the major of the Lambda runtime ` +
        `${lambdaRuntime().runtime}. Install it by hand with: npm install --prefix ${folder} ${spec}`,
    );
  }
  if (existsSync(binary) && versionOf(binary)?.startsWith(`v${major}.`)) {
    rmSync(staging, { recursive: true, force: true });
  } else {
    rmSync(folder, { recursive: true, force: true });
    renameSync(staging, folder);
  }
  return binary;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const binary = lambdaNode();
  console.log(`${binary} (${versionOf(binary)})`);
}
