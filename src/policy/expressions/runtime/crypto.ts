// Hashing, HMAC, APIM's byte[].Encrypt/Decrypt extension (AES-CBC/PKCS7 like .NET's defaults),
// Random and BitConverter for policy expressions.
import { createCipheriv, createDecipheriv, createHash, createHmac, randomInt } from "node:crypto";
import { CsException } from "./errors.js";

function bytes(v: unknown, what: string): Buffer {
  if (v instanceof Uint8Array) return Buffer.from(v);
  throw new CsException("ArgumentException", `${what} expects a byte[].`);
}

const HASHES: Record<string, string> = {
  SHA256: "sha256",
  SHA1: "sha1",
  SHA384: "sha384",
  SHA512: "sha512",
  MD5: "md5",
};
const HMACS: Record<string, string> = {
  HMACSHA256: "sha256",
  HMACSHA1: "sha1",
  HMACSHA384: "sha384",
  HMACSHA512: "sha512",
  HMACMD5: "md5",
};

export function isHashType(name: string): boolean {
  return name in HASHES;
}
export function isHmacType(name: string): boolean {
  return name in HMACS;
}

export class CsHash {
  constructor(
    private readonly algorithm: string,
    private readonly key?: Buffer,
  ) {}
  static create(type: string): CsHash {
    return new CsHash(HASHES[type]!);
  }
  static hmac(type: string, key: unknown): CsHash {
    return new CsHash(HMACS[type]!, key === undefined ? Buffer.alloc(64) : bytes(key, type));
  }
  get Key(): Uint8Array | undefined {
    return this.key;
  }
  ComputeHash(data: unknown, offset?: unknown, count?: unknown): Uint8Array {
    let input = bytes(data, "ComputeHash");
    if (typeof offset === "number") input = input.subarray(offset, offset + Number(count ?? input.length - offset));
    const h = this.key ? createHmac(this.algorithm, this.key) : createHash(this.algorithm);
    return new Uint8Array(h.update(input).digest());
  }
  Dispose(): void {}
}

function aes(key: Buffer, iv: Buffer): string {
  if (iv.length !== 16)
    throw new CsException(
      "CryptographicException",
      "Specified initialization vector (IV) does not match the block size for this algorithm.",
    );
  if (![16, 24, 32].includes(key.length))
    throw new CsException("CryptographicException", "Specified key is not a valid size for this algorithm.");
  return `aes-${key.length * 8}-cbc`;
}

/** byte[].Encrypt(alg, key, iv) / Decrypt(…): APIM supports symmetric algorithms; Moat supports "Aes" (Rijndael with a 16-byte block). */
export function symmetric(
  direction: "encrypt" | "decrypt",
  data: unknown,
  alg: unknown,
  key: unknown,
  iv: unknown,
): Uint8Array {
  const name = String(alg ?? "");
  if (!/^(aes|rijndael)$/i.test(name))
    throw new CsException("NotSupportedException", `Symmetric algorithm '${name}' is not supported (use "Aes").`);
  const k = bytes(key, "key");
  const v = bytes(iv, "iv");
  const input = bytes(data, direction);
  try {
    const c = direction === "encrypt" ? createCipheriv(aes(k, v), k, v) : createDecipheriv(aes(k, v), k, v);
    return new Uint8Array(Buffer.concat([c.update(input), c.final()]));
  } catch (error) {
    if (error instanceof CsException) throw error;
    throw new CsException("CryptographicException", "Padding is invalid and cannot be removed.", { cause: error });
  }
}

/** System.Random: seeded instances are deterministic (mulberry32), unseeded ones use the CSPRNG. */
export class CsRandom {
  private state: number | undefined;
  constructor(seed?: unknown) {
    this.state = typeof seed === "number" ? seed | 0 : undefined;
  }
  private unit(): number {
    if (this.state === undefined) return randomInt(0, 2 ** 48 - 1) / 2 ** 48;
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  Next(a?: unknown, b?: unknown): number {
    const [min, max] = b === undefined ? [0, a === undefined ? 2147483647 : Number(a)] : [Number(a), Number(b)];
    if (max < min) throw new CsException("ArgumentOutOfRangeException", "'minValue' cannot be greater than maxValue.");
    return min + Math.floor(this.unit() * (max - min));
  }
  NextDouble(): number {
    return this.unit();
  }
}

export const BIT_CONVERTER = {
  ToString(data: unknown, start?: unknown, length?: unknown): string {
    let b = bytes(data, "BitConverter.ToString");
    if (typeof start === "number") b = b.subarray(start, length === undefined ? undefined : start + Number(length));
    return [...b].map((x) => x.toString(16).toUpperCase().padStart(2, "0")).join("-");
  },
  ToInt32(data: unknown, start: unknown): number {
    return bytes(data, "BitConverter.ToInt32").readInt32LE(Number(start ?? 0));
  },
  ToInt64(data: unknown, start: unknown): number {
    return Number(bytes(data, "BitConverter.ToInt64").readBigInt64LE(Number(start ?? 0)));
  },
  GetBytes(value: unknown): Uint8Array {
    const n = Number(value);
    const b = Buffer.alloc(Number.isInteger(n) && Math.abs(n) < 2 ** 31 ? 4 : 8);
    if (b.length === 4) b.writeInt32LE(n);
    else b.writeBigInt64LE(BigInt(Math.trunc(n)));
    return new Uint8Array(b);
  },
};
