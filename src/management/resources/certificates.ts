// Certificates: a PFX (or PEM/DER) upload; the blob and its password are stored, and subject,
// thumbprint and expiry are read from the certificate itself.
import { X509Certificate } from "node:crypto";
import { createSecureContext, TLSSocket } from "node:tls";
import { z } from "zod";
import { validationError } from "../errors.js";
import { anyObject, optStr } from "./common.js";
import type { ResourceDef } from "./types.js";

export interface CertificateInfo {
  subject: string;
  thumbprint: string;
  expirationDate: string;
}

function describe(cert: X509Certificate): CertificateInfo {
  return {
    subject: cert.subject.split("\n").join(", "),
    thumbprint: cert.fingerprint.replace(/:/g, ""),
    expirationDate: new Date(cert.validTo).toISOString(),
  };
}

/**
 * node:crypto has no PKCS#12 parser, but TLS does: load the PFX into a secure context and read the
 * leaf certificate back from an unconnected socket. PEM/DER certificates are read directly.
 */
export function readCertificate(data: Buffer, password: string | undefined): CertificateInfo {
  try {
    return describe(new X509Certificate(data));
  } catch {
    // not PEM/DER: try PKCS#12 below
  }
  let socket: TLSSocket | undefined;
  try {
    const secureContext = createSecureContext({
      pfx: data,
      ...(password !== undefined ? { passphrase: password } : {}),
    });
    socket = new TLSSocket(null as never, { secureContext, isServer: true });
    const raw = socket.getCertificate();
    if (!raw || !("raw" in raw)) throw new Error("the PFX holds no certificate");
    return describe(new X509Certificate(raw.raw));
  } catch (err) {
    throw validationError([
      {
        code: "InvalidCertificate",
        message: `cannot read the certificate (PFX with the given password, PEM or DER expected): ${(err as Error).message}`,
        target: "properties.data",
      },
    ]);
  } finally {
    socket?.destroy();
  }
}

export const certificateDef: ResourceDef = {
  kind: "certificate",
  pattern: "certificates/{certificateId}",
  maxNameLength: 80,
  schema: z
    .object({
      data: z.string().min(1).optional(),
      password: optStr,
      keyVault: anyObject.optional(),
      subject: optStr,
      thumbprint: optStr,
      expirationDate: optStr,
    })
    .strict()
    .superRefine((v, issue) => {
      if (v.data === undefined && v.keyVault === undefined)
        issue.addIssue({ code: "custom", path: ["data"], message: "is required (base64 PFX)" });
    }),
  readOnly: ["subject", "thumbprint", "expirationDate"],
  async prepare(_ctx, props) {
    if (typeof props.data !== "string") {
      // Key Vault references cannot be resolved in a private network.
      throw validationError([
        {
          code: "KeyVaultUnavailable",
          message: "Key Vault certificates are not supported; upload data",
          target: "properties.keyVault",
        },
      ]);
    }
    const data = Buffer.from(props.data, "base64");
    const info = readCertificate(data, props.password as string | undefined);
    return { properties: { ...props, ...info } };
  },
  present(_ctx, entity) {
    const { data: _d, password: _p, ...rest } = entity.properties;
    return rest;
  },
};
