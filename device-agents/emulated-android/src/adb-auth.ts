/**
 * The device half of ADB authentication: read the host's public key in Android's own format and
 * check the host's signature of our token with it, as adbd does against /data/misc/adb/adb_keys.
 */
import { createPublicKey, publicDecrypt, constants, type KeyObject } from 'node:crypto';

// libcrypto_utils/android_pubkey.cpp: a 2048-bit RSA key as {u32 words=64, u32 n0inv, u8 n[256] LE, u8 rr[256] LE, u32 e}.
const MODULUS_BYTES = 256;
const KEY_STRUCT_BYTES = 4 + 4 + MODULUS_BYTES + MODULUS_BYTES + 4;
// The host signs the token with RSA_sign(NID_sha1, token, ...): PKCS#1 v1.5 padding around a SHA-1 DigestInfo.
const SHA1_DIGEST_INFO = Buffer.from('3021300906052b0e03021a05000414', 'hex');

/** The key part of an adb_keys line ("<base64> user@host"), as a Node public key. */
export function parseAdbPublicKey(line: string): KeyObject {
  const raw = Buffer.from(line.trim().split(/\s+/)[0] ?? '', 'base64');
  if (raw.length !== KEY_STRUCT_BYTES || raw.readUInt32LE(0) !== MODULUS_BYTES / 4) throw new Error('not an Android RSA-2048 public key');
  const modulus = Buffer.from(raw.subarray(8, 8 + MODULUS_BYTES)).reverse();
  const exponent = raw.readUInt32LE(8 + 2 * MODULUS_BYTES);
  const e = Buffer.alloc(4);
  e.writeUInt32BE(exponent);
  return createPublicKey({
    key: { kty: 'RSA', n: modulus.toString('base64url'), e: e.subarray(e.findIndex((b) => b !== 0)).toString('base64url') },
    format: 'jwk',
  });
}

/** Whether `signature` is the holder of `key` signing `token` the way the adb host does. */
export function isHostSignature(key: KeyObject, token: Buffer, signature: Buffer): boolean {
  try {
    const digestInfo = publicDecrypt({ key, padding: constants.RSA_PKCS1_PADDING }, signature);
    return digestInfo.equals(Buffer.concat([SHA1_DIGEST_INFO, token]));
  } catch {
    return false;
  }
}
