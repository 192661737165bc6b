// Developer passwords are stored as scrypt hashes in a separate entity (kind "userCredential",
// id "userCredentials/{uid}") so that no user read can ever return them.
import { randomBytes, scrypt as scryptCb, timingSafeEqual } from "node:crypto";

export interface PasswordHash {
  algorithm: "scrypt";
  N: number;
  r: number;
  p: number;
  salt: string;
  hash: string;
}

const params = { N: 16384, r: 8, p: 1 };
const keyLength = 32;

function scrypt(password: string, salt: Buffer, N: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(password, salt, keyLength, { N, r, p, maxmem: 64 * 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

export async function hashPassword(password: string): Promise<PasswordHash> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, params.N, params.r, params.p);
  return { algorithm: "scrypt", ...params, salt: salt.toString("base64"), hash: hash.toString("base64") };
}

export async function verifyPassword(password: string, stored: PasswordHash): Promise<boolean> {
  const expected = Buffer.from(stored.hash, "base64");
  const actual = await scrypt(password, Buffer.from(stored.salt, "base64"), stored.N, stored.r, stored.p);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

export const credentialId = (uid: string): string => `userCredentials/${uid}`;
