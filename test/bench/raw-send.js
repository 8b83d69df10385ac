// The send bound: raw pooled nodemailer, as evcred configures it (5 connections, connection
// reuse), sending COUNT copies of one real credential message (its subject, text and HTML
// parts, read from MESSAGE.json) to the bench server as fast as it can. The bench times the
// whole process, as it times `evcred send`.
import { readFileSync } from "node:fs";
import nodemailer from "nodemailer";

const [portArg, countArg, messageFile] = process.argv.slice(2);
const port = Number(portArg);
const count = Number(countArg);
const { subject, text, html } = JSON.parse(readFileSync(messageFile, "utf8"));
const transport = nodemailer.createTransport({
  pool: true,
  host: "127.0.0.1",
  port,
  secure: false,
  ignoreTLS: true,
  maxConnections: 5,
  maxMessages: Infinity,
});
await Promise.all(
  Array.from({ length: count }, (_, i) =>
    transport.sendMail({
      from: "bench@example.com",
      to: `person${i}@example.com`,
      subject,
      text,
      html,
    }),
  ),
);
transport.close();
