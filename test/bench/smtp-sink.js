// The bench's SMTP server, in its own process so it never shares a core's event loop with the
// client being measured: smtp-server on 127.0.0.1, no TLS, no auth, no reverse DNS lookups;
// every message is read to its end and answered 250. Prints its port, then the count of
// messages received whenever a line arrives on stdin; exits when stdin closes.
import { createInterface } from "node:readline";
import { SMTPServer } from "smtp-server";

let received = 0;
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ["STARTTLS", "AUTH"],
  disableReverseLookup: true,
  logger: false,
  size: 1024 * 1024,
  onData(stream, _session, callback) {
    stream.on("data", () => undefined);
    stream.on("end", () => {
      received++;
      callback(null, "2.0.0 Ok: queued");
    });
  },
});
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${server.server.address().port}\n`);
});
const lines = createInterface({ input: process.stdin });
lines.on("line", () => process.stdout.write(`${received}\n`));
lines.on("close", () => server.close(() => process.exit(0)));
