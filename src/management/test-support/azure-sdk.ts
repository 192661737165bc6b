// Pointing Azure's SDK clients at a test Moat: an httpClient that sends through the harness's undici
// Agent (which trusts the self-signed certificate, so nothing process-wide changes) and a credential
// that returns the admin key.
import type { TokenCredential } from "@azure/core-auth";
import {
  createHttpHeaders,
  type HttpClient,
  type PipelineRequest,
  type PipelineResponse,
} from "@azure/core-rest-pipeline";
import { fetch as undiciFetch } from "undici";
import { adminKey, type Harness } from "./harness.js";

/** Client options for any @azure/arm-* client; `onResponse` sees every exchange (e.g. to log it). */
export function azureClientOptions(
  h: Harness,
  onResponse?: (request: PipelineRequest, status: number) => void,
): { endpoint: string; httpClient: HttpClient; credentialScopes: string[] } {
  const httpClient: HttpClient = {
    async sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
      const res = await undiciFetch(request.url, {
        method: request.method,
        headers: request.headers.toJSON(),
        dispatcher: h.agent,
        ...(typeof request.body === "string" ? { body: request.body } : {}),
      });
      const headers = createHttpHeaders();
      res.headers.forEach((value, name) => {
        headers.set(name, value);
      });
      onResponse?.(request, res.status);
      return { request, status: res.status, headers, bodyAsText: await res.text() };
    },
  };
  return { endpoint: h.url, httpClient, credentialScopes: ["https://management.azure.com/.default"] };
}

export const adminCredential: TokenCredential = {
  getToken: async () => ({ token: adminKey, expiresOnTimestamp: Date.now() + 3600e3 }),
};
