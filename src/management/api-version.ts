// `api-version` is required on every call, as on Azure. Moat speaks one contract, so any dated version
// Azure has published for Microsoft.ApiManagement is accepted; others are refused with Azure's codes.
import { ApiError } from "./errors.js";

/** Stable and preview versions of the Microsoft.ApiManagement provider that clients send. */
export const supportedApiVersions: ReadonlySet<string> = new Set([
  "2014-02-14",
  "2015-09-15",
  "2016-07-07",
  "2016-10-10",
  "2017-03-01",
  "2018-01-01",
  "2018-06-01-preview",
  "2019-01-01",
  "2019-12-01",
  "2019-12-01-preview",
  "2020-06-01-preview",
  "2020-12-01",
  "2021-01-01-preview",
  "2021-04-01-preview",
  "2021-08-01",
  "2021-12-01-preview",
  "2022-04-01-preview",
  "2022-08-01",
  "2022-09-01-preview",
  "2023-03-01-preview",
  "2023-05-01-preview",
  "2023-09-01-preview",
  "2024-05-01",
  "2024-06-01-preview",
]);

export function checkApiVersion(value: string | null): string {
  if (value === null || value === "") {
    throw new ApiError(
      400,
      "MissingApiVersionParameter",
      "The api-version query parameter (?api-version=) is required for all requests.",
      { details: [{ code: "MissingApiVersionParameter", message: "api-version is required", target: "api-version" }] },
    );
  }
  if (!supportedApiVersions.has(value)) {
    throw new ApiError(
      400,
      "InvalidApiVersionParameter",
      `The api-version '${value}' is invalid. The supported versions are '${[...supportedApiVersions].join(",")}'.`,
      { details: [{ code: "InvalidApiVersionParameter", message: `unsupported ${value}`, target: "api-version" }] },
    );
  }
  return value;
}
