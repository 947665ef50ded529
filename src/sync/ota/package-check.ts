/**
 * The model inside a package must be the one the package names: its own
 * manifest.json (src/vision/model-manifest.ts) must be valid, carry the
 * package's name and version, and name a model file that the package lists
 * with the same size and SHA-256. (Whether that model loads and behaves is
 * the smoke test's question.)
 */
import { ErrorCode, isKioskError, KioskError } from '../../ops/errors.js';
import type { ModelPackage } from '../../protocol/model-package.js';
import { readManifest, type ModelManifest } from '../../vision/model-manifest.js';

export async function checkModelAgainstPackage(directory: string, pkg: ModelPackage): Promise<ModelManifest> {
  let manifest: ModelManifest;
  try {
    manifest = await readManifest(directory);
  } catch (error) {
    const message = isKioskError(error) ? error.message : String(error);
    throw new KioskError(ErrorCode.OtaPackageInvalid, `the package's manifest.json is unusable: ${message}`, { model: `${pkg.name}@${pkg.version}` }, { cause: error });
  }
  const problems: string[] = [];
  if (manifest.name !== pkg.name) problems.push(`name is "${manifest.name}", the package says "${pkg.name}"`);
  if (manifest.version !== pkg.version) problems.push(`version is "${manifest.version}", the package says "${pkg.version}"`);
  const modelFile = pkg.files.find((file) => file.path === manifest.model.file);
  if (!modelFile) problems.push(`its model file ${manifest.model.file} is not in the package`);
  else {
    if (modelFile.sha256 !== manifest.model.sha256) problems.push(`model.sha256 is ${manifest.model.sha256}, the package lists ${modelFile.sha256}`);
    if (modelFile.sizeBytes !== manifest.model.bytes) problems.push(`model.bytes is ${manifest.model.bytes}, the package lists ${modelFile.sizeBytes}`);
  }
  if (problems.length > 0) {
    throw new KioskError(ErrorCode.OtaPackageInvalid, `the model's manifest.json does not match the package: ${problems.join('; ')}`, { model: `${pkg.name}@${pkg.version}`, problems });
  }
  return manifest;
}
