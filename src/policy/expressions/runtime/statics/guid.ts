// System.Guid: new, parsed, or from 16 bytes.
import { CsGuid } from "../time.js";
import { type StaticTypes, tryParsing } from "./static-type.js";

const EMPTY = "00000000-0000-0000-0000-000000000000";

export const GUID_TYPES: StaticTypes = {
  Guid: {
    props: { Empty: () => new CsGuid(EMPTY) },
    methods: { NewGuid: () => CsGuid.random(), Parse: ([v]) => CsGuid.parse(String(v)) },
    outMethods: {
      TryParse: tryParsing(
        (v) => CsGuid.parse(String(v)),
        () => new CsGuid(EMPTY),
      ),
    },
    ctor: ([v]) => (v instanceof Uint8Array ? CsGuid.fromBytes(v) : CsGuid.parse(String(v))),
  },
};
