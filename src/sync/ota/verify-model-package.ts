/**
 * A `model.update` command's package: a SignedDocument (src/protocol/signed.ts)
 * whose payload is one kiosk.model-package/1, signed by a fleet key that
 * device-config allows to sign models (`use` includes "models"). The
 * signature check is the commands' own (src/sync/commands/signed-document.ts);
 * a key trusted only for commands or config cannot ship a model.
 */
import { ErrorCode, KioskError } from '../../ops/errors.js';
import { ModelPackage } from '../../protocol/model-package.js';
import type { SignedDocument } from '../../protocol/signed.js';
import type { FleetKeyring } from '../commands/fleet-keyring.js';
import { verifySignedDocument } from '../commands/signed-document.js';

/** A package lists at most 16 files: its signed JSON stays far below this. */
export const MODEL_PACKAGE_MAX_BYTES = 64 * 1024;

/** The verified package; E430 for a bad signature or a key not allowed to sign models, E431 for anything malformed. */
export async function verifyModelPackage(signed: SignedDocument, keyring: FleetKeyring): Promise<ModelPackage> {
  const verdict = await verifySignedDocument(Buffer.from(JSON.stringify(signed), 'utf8'), { keyring, use: 'models', maxBytes: MODEL_PACKAGE_MAX_BYTES });
  if (!verdict.ok) {
    const code = verdict.rejection === 'bad-signature' || verdict.rejection === 'unknown-key' ? ErrorCode.OtaSignatureInvalid : ErrorCode.OtaPackageInvalid;
    throw new KioskError(code, `the model package is refused (${verdict.rejection}): ${verdict.detail}`, { rejection: verdict.rejection });
  }
  const parsed = ModelPackage.safeParse(verdict.document);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new KioskError(ErrorCode.OtaPackageInvalid, `the signed model package is not a valid kiosk.model-package/1: ${problems.join('; ')}`, { problems, kid: verdict.kid });
  }
  return parsed.data;
}
