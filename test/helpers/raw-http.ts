/**
 * HTTP/1.1 by hand over a TCP socket, for requests `fetch` and `node:http` refuse to send: bytes
 * that are not UTF-8, header values of any size, a body of any framing. One request per
 * connection (`Connection: close`); the answer is read to the end and parsed.
 */
import { connect } from "node:net";

export interface RawRequest {
  method: string;
  path: string;
  /** Sent as given, in order; `Host`, `Connection` and the body's length are added unless present. */
  headers?: [string, string][];
  body?: Buffer | string | undefined;
  /** Send the body as one chunk of `Transfer-Encoding: chunked` instead of with a length. */
  chunked?: boolean;
}

export interface RawAnswer {
  status: number;
  /** Lower-cased names; a repeated header's values joined with ", " (`set-cookie` with "\n"). */
  headers: Record<string, string>;
  body: Buffer;
  text: string;
  /** The whole answer as it came on the wire, for searching. */
  raw: Buffer;
}

export function rawRequest(url: string, request: RawRequest): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  const body =
    request.body === undefined
      ? undefined
      : Buffer.isBuffer(request.body)
        ? request.body
        : Buffer.from(request.body, "utf8");
  const headers = [...(request.headers ?? [])];
  const has = (name: string) => headers.some(([n]) => n.toLowerCase() === name);
  if (!has("host")) headers.unshift(["Host", `${hostname}:${port}`]);
  if (!has("connection")) headers.push(["Connection", "close"]);
  if (body !== undefined) {
    if (request.chunked) headers.push(["Transfer-Encoding", "chunked"]);
    else if (!has("content-length")) headers.push(["Content-Length", String(body.length)]);
  }
  const head = Buffer.from(
    `${request.method} ${request.path} HTTP/1.1\r\n${headers
      .map(([n, v]) => `${n}: ${v}\r\n`)
      .join("")}\r\n`,
    "latin1",
  );
  const payload =
    body === undefined
      ? Buffer.alloc(0)
      : request.chunked
        ? Buffer.concat([
            Buffer.from(`${body.length.toString(16)}\r\n`),
            body,
            Buffer.from("\r\n0\r\n\r\n"),
          ])
        : body;

  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    // The server may answer (413, 431) and close before it has read all we send: not an error.
    socket.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "ECONNRESET" && error.code !== "EPIPE") reject(error);
    });
    socket.on("close", () => {
      try {
        resolve(parseAnswer(Buffer.concat(chunks)));
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
    socket.write(Buffer.concat([head, payload]));
  });
}

function parseAnswer(raw: Buffer): RawAnswer {
  const end = raw.indexOf("\r\n\r\n");
  if (end < 0) throw new Error(`no complete answer: ${JSON.stringify(raw.toString("latin1"))}`);
  const [statusLine = "", ...lines] = raw.subarray(0, end).toString("latin1").split("\r\n");
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
  if (!status) throw new Error(`not an HTTP answer: ${statusLine}`);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const before = headers[name];
    headers[name] =
      before === undefined ? value : `${before}${name === "set-cookie" ? "\n" : ", "}${value}`;
  }
  let body = raw.subarray(end + 4);
  if (headers["transfer-encoding"]?.toLowerCase() === "chunked") body = unchunk(body);
  return { status, headers, body, text: body.toString("utf8"), raw };
}

function unchunk(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = data.indexOf("\r\n", at);
    if (lineEnd < 0) break;
    const size = parseInt(data.subarray(at, lineEnd).toString("latin1"), 16);
    if (!size) break;
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}
