#!/usr/bin/env node
// The serve bench's load, in a process of its own so the client's work is not charged to the
// server's cores: `node serve-load.js URL KEY BODIES.json CONNECTIONS SECONDS [RATE]`. Each
// request is the next login of BODIES (a JSON array of request bodies). Prints one JSON line.
// - Without RATE, saturation: autocannon, each connection sending its next login as soon as
//   the last is answered.
// - With RATE (logins/s), an open loop: one login every 1/RATE s whatever the answers do.
//   Not autocannon's rate, which lets every connection send its quota at the top of each
//   second: bursts, whose queue would be the p99 measured.
import autocannon from "autocannon";
import { readFileSync } from "node:fs";
import { Agent, request as httpRequest } from "node:http";

const [url, key, bodiesFile, connections, seconds, rate] = process.argv.slice(2);
const bodies = JSON.parse(readFileSync(bodiesFile, "utf8"));
const path = "/api/v1/events/bench/logins";
const headers = { authorization: `Bearer ${key}`, "content-type": "application/json" };
let next = 0;
const cpu = process.cpuUsage();
const result = rate ? await paced(Number(rate)) : await saturated();
// This process's CPU while it loaded the server (its start-up left out): taken from the cores
// the server runs on.
const used = process.cpuUsage(cpu);
result.clientCpuMs = (used.user + used.system) / 1000;
process.stdout.write(`${JSON.stringify(result)}\n`);

async function saturated() {
  let failed = 0;
  const run = autocannon({
    url,
    connections: Number(connections),
    duration: Number(seconds),
    method: "POST",
    headers,
    requests: [
      {
        method: "POST",
        path,
        setupRequest: (request) => ({ ...request, body: bodies[next++ % bodies.length] }),
      },
    ],
  });
  run.on("response", (_client, status) => {
    if (status !== 200) failed++;
  });
  const done = await run;
  return {
    answered: done.requests.total,
    rate: done.requests.total / done.duration,
    p99: done.latency.p99,
    failed: failed + done.errors + done.timeouts,
  };
}

async function paced(perSecond) {
  // node:http on keep-alive connections, not fetch: undici's fetch cost this process two to four
  // times node:http's CPU per login (3.1–6.3 against 1.3–1.4 ms, measured at 20–40 logins/s),
  // taken from the cores the server shares with it.
  const agent = new Agent({ keepAlive: true, maxSockets: Number(connections) });
  const target = new URL(path, url);
  const latencies = [];
  const pending = [];
  let failed = 0;
  const login = (body) =>
    new Promise((resolve) => {
      const t = performance.now();
      let answered = false;
      const done = (ok) => {
        if (answered) return;
        answered = true;
        if (!ok) failed++;
        latencies.push(performance.now() - t);
        resolve();
      };
      const request = httpRequest(
        target,
        {
          method: "POST",
          agent,
          headers: { ...headers, "content-length": Buffer.byteLength(body) },
        },
        (response) => {
          response.on("data", () => {});
          response.on("end", () => done(response.statusCode === 200));
          response.on("error", () => done(false));
        },
      );
      request.on("error", () => done(false));
      request.end(body);
    });
  const interval = 1000 / perSecond;
  const start = performance.now();
  for (let i = 0; performance.now() - start < Number(seconds) * 1000; i++) {
    const wait = start + i * interval - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(login(bodies[next++ % bodies.length]));
  }
  await Promise.all(pending);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    answered: latencies.length,
    rate: latencies.length / ((performance.now() - start) / 1000),
    p99: latencies[Math.floor(latencies.length * 0.99)],
    failed,
  };
}
