import { describe, expect, it } from "vitest";
import { benchPerTest, SAMPLE_CSV, type TestBench } from "../helpers/workspace.js";

const bench = benchPerTest();

const HOSTILE_CSV = `${SAMPLE_CSV}eve@example.com,<script>alert(1)</script>,Evil,"<img src=x onerror=alert(2)>"\n`;
const EMAILS = ["ada@example.com", "grace@example.com", "alan@example.com", "eve@example.com"];

async function imported(b: TestBench): Promise<void> {
  b.file("attendees.csv", HOSTILE_CSV);
  const r = await b.run(["import", "attendees.csv", "--event", "summit-2026", "--yes"]);
  expect(r.code).toBe(0);
  const url = await b.run([
    "event",
    "update",
    "summit-2026",
    "--login-url",
    "https://venue.example.com/in",
  ]);
  expect(url.code).toBe(0);
}

interface Preview {
  template: string;
  event: string | null;
  to: { name: string; address: string };
  sample: boolean;
  subject: string;
  text: string;
  html: string | null;
  htmlFile: string | null;
}

describe("evcred preview", () => {
  it("renders for one attendee with the code masked, never the real one", async () => {
    const b = bench();
    await imported(b);
    const human = await b.run(["preview", "credentials", "--to", "Ada@Example.com"]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain("Subject: Your access code for Summit 2026");
    expect(human.stdout).toContain("To:      Ada Lovelace <ada@example.com>");
    expect(human.stdout).toContain("••••-••••-••");
    expect(human.stdout).toContain("<!doctype html>");
    const json = await b.run(["preview", "credentials", "--to", "ada@example.com", "--json"]);
    const doc = json.json<Preview>();
    expect(doc).toMatchObject({ template: "credentials", event: "summit-2026", sample: false });
    expect(doc.text).toContain("ada@example.com");
    expect(doc.html).toContain('href="https://venue.example.com/in"');
    const real = await b.codeOf("ada@example.com");
    for (const grouped of [real, real.match(/.{1,4}/g)?.join("-") ?? real]) {
      for (const text of b.transcript) expect(text).not.toContain(grouped);
    }
  });

  it("writes the HTML body to --html FILE, code masked, and escapes a hostile name there", async () => {
    const b = bench();
    await imported(b);
    const before = await b.snapshot();
    const r = await b.run([
      "preview",
      "credentials",
      "--to",
      "eve@example.com",
      "--html",
      "out.html",
      "--json",
    ]);
    expect(r.code).toBe(0);
    const doc = r.json<Preview>();
    expect(doc.htmlFile).toBe(b.path("out.html"));
    const html = b.read("out.html");
    expect(html).toBe(doc.html);
    expect(html).not.toContain("<script>alert(1)</script>");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(doc.text).toContain("Hi <script>alert(1)</script>,");
    expect(html).toContain("••••-••••-••");
    const real = await b.codeOf("eve@example.com");
    const grouped = real.match(/.{1,4}/g)?.join("-") ?? real;
    for (const text of [...b.transcript, html]) {
      expect(text).not.toContain(real);
      expect(text).not.toContain(grouped);
    }
    expect(await b.snapshot()).toEqual(before);
  });

  it("renders a sample attendee with the event's custom fields when no --to is given", async () => {
    const b = bench();
    await imported(b);
    b.file(
      "templates/fields.eta",
      "---\nsubject: For <%= it.full_name %>\n---\n<%= it.user_email %> <%= it.user_pass %> [<%= it.fields.company %>]\n",
    );
    const r = await b.run(["preview", "fields", "--json"]);
    expect(r.code).toBe(0);
    const doc = r.json<Preview>();
    expect(doc).toMatchObject({
      sample: true,
      event: "summit-2026",
      subject: "For Sam Sample",
      html: null,
    });
    expect(doc.text).toBe("sam.sample@example.com ••••-••••-•• [[company]]\n");
    expect(r.stderr).toContain("rendered for a sample attendee of summit-2026");
    for (const email of EMAILS) {
      const real = await b.codeOf(email);
      for (const text of b.transcript) expect(text).not.toContain(real);
    }
  });

  it("works in a fresh workspace with a sample event", async () => {
    const b = bench();
    const r = await b.run(["preview", "reminder", "--json"]);
    expect(r.code).toBe(0);
    expect(r.json<Preview>()).toMatchObject({ event: null, sample: true });
    expect(r.json<Preview>().subject).toContain("Sample Summit 2026");
  });

  it("an unknown attendee: exit 2 with the closest matches, nothing written", async () => {
    const b = bench();
    await imported(b);
    const before = await b.snapshot();
    const r = await b.run([
      "preview",
      "credentials",
      "--to",
      "ada@exampel.com",
      "--html",
      "x.html",
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no attendee ada@exampel.com in summit-2026");
    expect(r.stderr).toContain("ada@example.com");
    expect(await b.snapshot()).toEqual(before);
    expect(() => b.read("x.html")).toThrow();
  });

  it("--html for a text-only template: exit 2, nothing written", async () => {
    const b = bench();
    b.file(
      "templates/plain.eta",
      "---\nsubject: S\n---\n<%= it.user_email %> <%= it.user_pass %>\n",
    );
    const r = await b.run(["preview", "plain", "--html", "p.html"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("template plain has no HTML body");
    expect(() => b.read("p.html")).toThrow();
  });

  it("warns that a template without the code will be refused by send", async () => {
    const b = bench();
    b.file("templates/nocode.eta", "---\nsubject: S\n---\nHello <%= it.user_email %>\n");
    const r = await b.run(["preview", "nocode"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("it.user_pass is missing");
  });

  it("a bad --to is a usage error naming the flag", async () => {
    const b = bench();
    const r = await b.run(["preview", "credentials", "--to", "not-an-email"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--to: expected an email address");
  });
});
