// The send bound: raw pooled nodemailer, as evcred configures it (5 connections, connection
// reuse), sending COUNT messages of SIZE bytes of text to the bench server as fast as it can.
// Prints the elapsed milliseconds of the sending alone.
import nodemailer from "nodemailer";

const [port, count, size] = process.argv.slice(2).map(Number);
const transport = nodemailer.createTransport({
  pool: true,
  host: "127.0.0.1",
  port,
  secure: false,
  ignoreTLS: true,
  maxConnections: 5,
  maxMessages: Infinity,
});
const text = "x".repeat(Math.max(0, size - 1)) + "\n";
const started = performance.now();
await Promise.all(
  Array.from({ length: count }, (_, i) =>
    transport.sendMail({
      from: "bench@example.com",
      to: `person${i}@example.com`,
      subject: "Your access code",
      text,
    }),
  ),
);
process.stdout.write(`${performance.now() - started}\n`);
transport.close();
