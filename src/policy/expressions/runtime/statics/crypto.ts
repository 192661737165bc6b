// Hash algorithms (`SHA256.Create()`) and keyed hashes (`new HMACSHA256(key)`).
import { CsHash } from "../crypto.js";
import type { StaticType, StaticTypes } from "./static-type.js";

const hashType = (name: string): StaticType => ({ methods: { Create: () => CsHash.create(name) } });
const hmacType = (name: string): StaticType => ({ ctor: ([key]) => CsHash.hmac(name, key) });

export const CRYPTO_TYPES: StaticTypes = {
  SHA256: hashType("SHA256"),
  SHA1: hashType("SHA1"),
  SHA384: hashType("SHA384"),
  SHA512: hashType("SHA512"),
  MD5: hashType("MD5"),
  HMACSHA256: hmacType("HMACSHA256"),
  HMACSHA1: hmacType("HMACSHA1"),
  HMACSHA384: hmacType("HMACSHA384"),
  HMACSHA512: hmacType("HMACSHA512"),
  HMACMD5: hmacType("HMACMD5"),
};
