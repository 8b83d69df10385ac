/**
 * The SMTP transport against a real server: what `EVCRED_SMTP_URL` is taken to mean, and when
 * credential mail may cross the network without TLS.
 */
import { networkInterfaces } from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import {
  createTransport,
  describeSmtpUrl,
  parseSmtpUrl,
  type TransportSettings,
} from "../../src/mail/transport.js";
import { startSmtp, type TestSmtp } from "../helpers/smtp.js";

/** An address of this machine that is not loopback, where there is one. */
const external = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && a.family === "IPv4" && !a.internal)?.address;

const settings = (smtpUrl: string, insecureSmtp = false): TransportSettings => ({
  smtpUrl,
  outboxDir: "unused",
  insecureSmtp,
  timeoutMs: 5_000,
  maxConnections: 1,
});

const message = {
  from: "team@summit.example",
  to: { name: "Ada", address: "ada@example.com" },
  subject: "Your code",
  text: "K7QM-4XHP-2W",
  html: undefined,
};

let server: TestSmtp | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("EVCRED_SMTP_URL", () => {
  it("is shown rebuilt from its parts: scheme, user, host, port, never the password", () => {
    const parts = parseSmtpUrl("smtp://org%40summit.example:p%2Fss@mail.example.com");
    expect(parts).toMatchObject({ user: "org@summit.example", password: "p/ss", port: 587 });
    expect(describeSmtpUrl(parts)).toBe("smtp://org%40summit.example@mail.example.com:587");
    expect(describeSmtpUrl(parseSmtpUrl("smtps://[::1]"))).toBe("smtps://[::1]:465");
  });
});

describe.skipIf(external === undefined)(
  "without an SMTP user, to a host that is not loopback",
  () => {
    it("credential mail needs STARTTLS: a server without it gets nothing", async () => {
      server = await startSmtp({}, external);
      const transport = createTransport(settings(server.url));
      expect(transport.description).toContain("(STARTTLS required)");
      try {
        await expect(transport.send(message)).rejects.toMatchObject({
          kind: "fatal",
          response: expect.stringMatching(/STARTTLS/) as unknown,
        });
      } finally {
        transport.close();
      }
      expect(server.received).toHaveLength(0);
    });

    it("--insecure-smtp sends it in the clear, as asked", async () => {
      server = await startSmtp({}, external);
      const transport = createTransport(settings(server.url, true));
      expect(transport.description).not.toContain("STARTTLS");
      try {
        await transport.send(message);
      } finally {
        transport.close();
      }
      expect(server.received.map((r) => r.to)).toEqual(["ada@example.com"]);
    });
  },
);

describe("without an SMTP user, to this machine", () => {
  it("sends without TLS: loopback does not leave the machine", async () => {
    server = await startSmtp();
    const transport = createTransport(settings(server.url));
    try {
      await transport.send(message);
    } finally {
      transport.close();
    }
    expect(server.received).toHaveLength(1);
  });
});
