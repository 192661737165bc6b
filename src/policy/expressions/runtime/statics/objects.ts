// `new object()` and the exception types expressions may construct and throw.
import { CsAnonymous, toPolicyString } from "../../to-string.js";
import { CsException } from "../errors.js";
import type { StaticType, StaticTypes } from "./static-type.js";

const exception = (name: string): StaticType => ({
  ctor: ([message]) =>
    new CsException(
      name,
      message === undefined ? `Exception of type 'System.${name}' was thrown.` : toPolicyString(message),
    ),
});

const OBJECT: StaticType = { ctor: () => new CsAnonymous({}) };

export const OBJECT_TYPES: StaticTypes = {
  Object: OBJECT,
  object: OBJECT,
  Exception: exception("Exception"),
  ArgumentException: exception("ArgumentException"),
  ArgumentNullException: exception("ArgumentNullException"),
  InvalidOperationException: exception("InvalidOperationException"),
  FormatException: exception("FormatException"),
  NotSupportedException: exception("NotSupportedException"),
};
