// Addresses and web encodings: Uri, WebUtility, IPAddress.
import { CsIPAddress, CsUri, htmlDecode, htmlEncode, urlDecode, webUrlEncode } from "../types.js";
import { type StaticTypes, tryParsing } from "./static-type.js";

/** WebUtility's methods give null for null. */
const orNull =
  (f: (text: string) => string) =>
  ([v]: unknown[]) =>
    v === null || v === undefined ? null : f(String(v));

export const WEB_TYPES: StaticTypes = {
  Uri: {
    methods: {
      EscapeDataString: ([v]) =>
        encodeURIComponent(String(v ?? "")).replace(
          /[!'()*]/g,
          (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
        ),
      UnescapeDataString: ([v]) => urlDecode(String(v ?? ""), false),
      EscapeUriString: ([v]) => encodeURI(String(v ?? "")),
      IsWellFormedUriString: ([v]) => URL.canParse(String(v)),
    },
    ctor: ([v]) => new CsUri(String(v)),
  },
  WebUtility: {
    methods: {
      UrlEncode: orNull(webUrlEncode),
      UrlDecode: orNull((text) => urlDecode(text, true)),
      HtmlEncode: orNull(htmlEncode),
      HtmlDecode: orNull(htmlDecode),
    },
  },
  IPAddress: {
    methods: {
      Parse: ([v]) => CsIPAddress.parse(String(v)),
      HostToNetworkOrder: ([v]) => CsIPAddress.swap(Number(v)),
      NetworkToHostOrder: ([v]) => CsIPAddress.swap(Number(v)),
    },
    outMethods: {
      TryParse: tryParsing(
        (v) => CsIPAddress.parse(String(v)),
        () => null,
      ),
    },
  },
};
