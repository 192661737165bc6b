// A small authoritative DNS server over UDP for tests: answers A queries from a table, NXDOMAIN for
// unknown names, NOERROR with no answer for other types of known names. Enough for node:dns's
// Resolver (and therefore for the gateway's backend lookups) inside a test network.
import { createSocket as createUdpSocket } from "node:dgram";
import type { AddressInfo } from "node:net";

export interface DnsServer {
  readonly address: string;
  readonly port: number;
  /** Queries received, in order ("api.corp.internal A"). */
  readonly queries: string[];
  close(): Promise<void>;
}

function readName(msg: Buffer, offset: number): { name: string; end: number } | undefined {
  const labels: string[] = [];
  let i = offset;
  while (i < msg.length) {
    const len = msg[i] as number;
    if (len === 0) return { name: labels.join("."), end: i + 1 };
    if (len > 63) return undefined; // compression is not used in questions from resolvers
    labels.push(msg.subarray(i + 1, i + 1 + len).toString("latin1"));
    i += len + 1;
  }
  return undefined;
}

/** Builds the reply to one query message, or undefined when it cannot be parsed. */
export function answerQuery(query: Buffer, records: Readonly<Record<string, string>>, ttl = 30): Buffer | undefined {
  if (query.length < 12 || query.readUInt16BE(4) !== 1) return undefined;
  const q = readName(query, 12);
  if (!q || q.end + 4 > query.length) return undefined;
  const qtype = query.readUInt16BE(q.end);
  const question = query.subarray(12, q.end + 4);
  const ip = records[q.name.toLowerCase()];
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.readUInt16BE(0), 0);
  // QR, opcode 0, AA, RD copied, RA; rcode 3 (NXDOMAIN) for names we do not know.
  header.writeUInt16BE(0x8400 | (query.readUInt16BE(2) & 0x0100) | 0x0080 | (ip === undefined ? 3 : 0), 2);
  header.writeUInt16BE(1, 4);
  const answers: Buffer[] = [];
  if (ip !== undefined && qtype === 1) {
    const rr = Buffer.alloc(16);
    rr.writeUInt16BE(0xc00c, 0);
    rr.writeUInt16BE(1, 2);
    rr.writeUInt16BE(1, 4);
    rr.writeUInt32BE(ttl, 6);
    rr.writeUInt16BE(4, 10);
    ip.split(".").forEach((part, k) => {
      rr[12 + k] = Number(part);
    });
    answers.push(rr);
  }
  header.writeUInt16BE(answers.length, 6);
  return Buffer.concat([header, question, ...answers]);
}

export function startDnsServer(
  records: Readonly<Record<string, string>>,
  host = "127.0.0.1",
  port = 0,
): Promise<DnsServer> {
  const socket = createUdpSocket("udp4");
  const queries: string[] = [];
  socket.on("message", (msg, rinfo) => {
    const q = readName(msg, 12);
    if (q && q.end + 2 <= msg.length)
      queries.push(`${q.name} ${msg.readUInt16BE(q.end) === 1 ? "A" : msg.readUInt16BE(q.end)}`);
    const reply = answerQuery(msg, records);
    if (reply) socket.send(reply, rinfo.port, rinfo.address);
  });
  return new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(port, host, () => {
      const info = socket.address() as AddressInfo;
      resolve({
        address: info.address,
        port: info.port,
        queries,
        close: () => new Promise((done) => socket.close(() => done())),
      });
    });
  });
}
