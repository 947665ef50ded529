import { z } from 'zod';

/**
 * A signed document from the backend: a JWS in flattened JSON serialization
 * (RFC 7515 §7.2.2) with alg "EdDSA" (Ed25519, RFC 8037) and a `kid` naming
 * the fleet key in device-config `fleet.keys`. The payload is the base64url
 * of the UTF-8 JSON document, so the kiosk verifies the exact bytes that were
 * signed and never depends on JSON canonicalisation. Any JOSE library can
 * produce it; `src/fleet/signer.ts` is the reference.
 */
export const SignedDocument = z
  .object({
    protected: z.string().min(1).max(2048).describe('base64url of the JWS protected header, {"alg":"EdDSA","kid":"..."}'),
    payload: z.string().min(1).describe('base64url of the signed JSON document'),
    signature: z.string().min(1).max(256).describe('base64url Ed25519 signature'),
  })
  .strict();

export type SignedDocument = z.infer<typeof SignedDocument>;
