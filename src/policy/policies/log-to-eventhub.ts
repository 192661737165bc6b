// <log-to-eventhub logger-id [partition-id | partition-key]>message</log-to-eventhub>: to a logger entity.
import { definePolicy } from "../definition.js";
import type { Dyn } from "../dynamic.js";
import { getter } from "../dynamic.js";
import { CONTINUE } from "../types.js";
import { ALL_SECTIONS } from "./common.js";

// Event Hubs cut messages at 200 KB; the same bound keeps a runaway expression from flooding a sink.
const MAX_MESSAGE = 200 * 1024;

export const logToEventhub = definePolicy<{ logger: string; partition: Dyn<string> | undefined; message: Dyn<string> }>(
  {
    name: "log-to-eventhub",
    sections: ALL_SECTIONS,
    parse(el, p) {
      const m = p.mark();
      p.children(el, []);
      const logger = p.nonEmpty(el, "logger-id", { required: true, expression: false });
      const partitionId = p.string(el, "partition-id");
      const partitionKey = p.string(el, "partition-key");
      if (partitionId && partitionKey)
        p.error("POLICY_ERR_EXCLUSIVE", "<log-to-eventhub> takes partition-id or partition-key, not both", el);
      const partition = partitionId ?? partitionKey;
      const message = p.text(el);
      if (logger?.kind === "const" && !p.env.loggerIds.has(logger.value)) {
        const text = `logger "${logger.value}" does not exist`;
        if (p.options.lenientReferences) p.warning("POLICY_WARN_UNKNOWN_LOGGER", text, el);
        else p.error("POLICY_ERR_UNKNOWN_LOGGER", text, el);
      }
      if (p.failedSince(m) || logger?.kind !== "const" || !message) return undefined;
      return { logger: logger.value, partition, message };
    },
    compile({ logger, partition, message }) {
      const read = getter(message);
      const readPartition = partition ? getter(partition) : undefined;
      return (ctx) => {
        const text = read(ctx);
        ctx.services.log(logger, text.length > MAX_MESSAGE ? text.slice(0, MAX_MESSAGE) : text, readPartition?.(ctx));
        return CONTINUE;
      };
    },
  },
);
