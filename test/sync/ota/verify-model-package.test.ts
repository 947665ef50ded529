import { beforeAll, describe, expect, it } from 'vitest';
import { generateFleetKeyPair, signDocument, signingKeyFromPem, signModelPackage, type FleetSigningKey } from '../../../src/fleet/signer.js';
import { ErrorCode, isKioskError } from '../../../src/ops/errors.js';
import { MODEL_PACKAGE_SCHEMA, type ModelPackage } from '../../../src/protocol/model-package.js';
import { FleetKeyring } from '../../../src/sync/commands/fleet-keyring.js';
import { verifyModelPackage } from '../../../src/sync/ota/verify-model-package.js';

const pkg: ModelPackage = {
  schema: MODEL_PACKAGE_SCHEMA,
  name: 'packaging-v2',
  version: '2.0.0',
  files: [
    { path: 'manifest.json', url: 'https://models.example/packaging-v2/2.0.0/manifest.json', sizeBytes: 900, sha256: 'a'.repeat(64) },
    { path: 'model.onnx', url: 'https://models.example/packaging-v2/2.0.0/model.onnx', sizeBytes: 3_550_744, sha256: 'b'.repeat(64) },
  ],
};

describe('verifyModelPackage', () => {
  let models: FleetSigningKey;
  let commandsOnly: FleetSigningKey;
  let stranger: FleetSigningKey;
  let keyring: FleetKeyring;

  beforeAll(() => {
    const modelPair = generateFleetKeyPair();
    const commandPair = generateFleetKeyPair();
    models = signingKeyFromPem('models-2026', modelPair.privateKeyPem);
    commandsOnly = signingKeyFromPem('commands-2026', commandPair.privateKeyPem);
    stranger = signingKeyFromPem('models-2026', generateFleetKeyPair().privateKeyPem);
    keyring = new FleetKeyring([
      { id: 'models-2026', publicKey: modelPair.publicKeyPem, use: ['models'] },
      { id: 'commands-2026', publicKey: commandPair.publicKeyPem, use: ['commands', 'config'] },
    ]);
  });

  async function refusal(promise: Promise<unknown>): Promise<unknown> {
    return promise.then(
      () => new Error('accepted'),
      (error: unknown) => error,
    );
  }

  it('returns the package signed by a key allowed to sign models', async () => {
    expect(await verifyModelPackage(await signModelPackage(pkg, models), keyring)).toEqual(pkg);
  });

  it('refuses a forged signature, an unknown kid and a key not allowed to sign models (E430)', async () => {
    const forged = await refusal(verifyModelPackage(await signModelPackage(pkg, stranger), keyring));
    expect(isKioskError(forged, ErrorCode.OtaSignatureInvalid)).toBe(true);
    expect(forged).toMatchObject({ context: { rejection: 'bad-signature' } });

    const unknown = await refusal(verifyModelPackage(await signModelPackage(pkg, { ...models, kid: 'models-2025' }), keyring));
    expect(unknown).toMatchObject({ code: ErrorCode.OtaSignatureInvalid, context: { rejection: 'unknown-key' } });

    const wrongUse = await refusal(verifyModelPackage(await signModelPackage(pkg, commandsOnly), keyring));
    expect(wrongUse).toMatchObject({ code: ErrorCode.OtaSignatureInvalid, context: { rejection: 'unknown-key' } });
  });

  it('refuses a payload changed after signing (E430)', async () => {
    const signed = await signModelPackage(pkg, models);
    const tampered = { ...signed, payload: Buffer.from(JSON.stringify({ ...pkg, version: '2.0.1' })).toString('base64url') };
    expect(await refusal(verifyModelPackage(tampered, keyring))).toMatchObject({ code: ErrorCode.OtaSignatureInvalid });
  });

  it('refuses a validly signed document that is no model package (E431), naming the field', async () => {
    const notAPackage = await refusal(verifyModelPackage(await signDocument({ ...pkg, files: pkg.files.slice(1) }, models), keyring));
    expect(isKioskError(notAPackage, ErrorCode.OtaPackageInvalid)).toBe(true);
    expect((notAPackage as Error).message).toContain('manifest.json');
    const traversal = await refusal(verifyModelPackage(await signDocument({ ...pkg, files: [...pkg.files, { ...pkg.files[1], path: '../model.onnx' }] }, models), keyring));
    expect(traversal).toMatchObject({ code: ErrorCode.OtaPackageInvalid });
  });
});
