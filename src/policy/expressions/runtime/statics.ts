// The .NET types expressions may name: static members, constructors and the static types of what they
// return. Resolved at compile time: an unknown type or member is a diagnostic, never a run-time surprise.
// Each family of types is defined in statics/; this is the one table the compiler looks names up in.
import { COLLECTION_TYPES } from "./statics/collections.js";
import { CONVERT_TYPES } from "./statics/convert.js";
import { CRYPTO_TYPES } from "./statics/crypto.js";
import { GUID_TYPES } from "./statics/guid.js";
import { JSON_TYPES } from "./statics/json.js";
import { MATH_TYPES } from "./statics/math.js";
import { OBJECT_TYPES } from "./statics/objects.js";
import { PRIMITIVE_TYPES } from "./statics/primitives.js";
import type { StaticTypes } from "./statics/static-type.js";
import { TEXT_TYPES } from "./statics/text.js";
import { TIME_TYPES } from "./statics/time.js";
import { WEB_TYPES } from "./statics/web.js";
import { XML_TYPES } from "./statics/xml.js";

export type { Env, StaticType } from "./statics/static-type.js";
export { CsMatch } from "./types.js";

/** The families merged; a name defined by two families is a mistake caught when the module loads. */
function merge(...families: StaticTypes[]): StaticTypes {
  const all: StaticTypes = {};
  for (const family of families) {
    for (const [name, type] of Object.entries(family)) {
      if (Object.hasOwn(all, name)) throw new Error(`static type '${name}' is defined by two families`);
      all[name] = type;
    }
  }
  return all;
}

export const STATIC_TYPES: StaticTypes = merge(
  PRIMITIVE_TYPES,
  TEXT_TYPES,
  TIME_TYPES,
  GUID_TYPES,
  CONVERT_TYPES,
  MATH_TYPES,
  JSON_TYPES,
  WEB_TYPES,
  CRYPTO_TYPES,
  COLLECTION_TYPES,
  OBJECT_TYPES,
  XML_TYPES,
);
