import assert from "node:assert/strict";
import { test } from "node:test";
import { toOperationContract } from "./operation-contract.js";

test("stored operations of any shape become a well-formed contract", () => {
  const cases: Array<[unknown, unknown]> = [
    [
      undefined,
      { templateParameters: [], request: { queryParameters: [], headers: [], representations: [] }, responses: [] },
    ],
    [
      {
        request: { queryParameters: "nope", representations: [{ contentType: 3 }, null] },
        responses: [{ statusCode: "200" }],
      },
      { templateParameters: [], request: { queryParameters: [], headers: [], representations: [] }, responses: [] },
    ],
    [
      {
        templateParameters: [{ name: "id", type: "integer", required: true, values: ["1", 2] }, { type: "string" }],
        request: {
          headers: [{ name: "X-A", required: "yes" }],
          representations: [
            { contentType: "application/json", schemaId: "s", typeName: "T", examples: { a: { value: 1 }, b: 2 } },
          ],
        },
        responses: [
          {
            statusCode: 200,
            representations: [{ contentType: "text/plain", sample: "hi" }],
            headers: [{ name: "X-R" }],
          },
        ],
      },
      {
        templateParameters: [{ name: "id", type: "integer", required: true, values: ["1"] }],
        request: {
          queryParameters: [],
          headers: [{ name: "X-A" }],
          representations: [
            { contentType: "application/json", schemaId: "s", typeName: "T", examples: { a: { value: 1 } } },
          ],
        },
        responses: [
          {
            statusCode: 200,
            headers: [{ name: "X-R" }],
            representations: [{ contentType: "text/plain", sample: "hi" }],
          },
        ],
      },
    ],
  ];
  for (const [input, expected] of cases) assert.deepEqual(toOperationContract(input), expected);
});
