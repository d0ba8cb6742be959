// Measures the desktop app in a real window (Xvfb + tauri-driver), with the app's own performance
// marks: cold start to interactive (process start to the first screen painted), and scrub latency
// (pointer input on the density strip to the entity's new state painted) on a large case.
//
// Usage: node e2e/bench.mjs --app RELEASE_DESKTOP_BINARY --case BIG.casefile [--stream ID]
//        [--starts 5] [--drags 40]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Driver, sleep } from "./webdriver.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const app = arg("app");
const casePath = arg("case");
const stream = arg("stream", "applicant-0000500");
const starts = Number(arg("starts", "5"));
const drags = Number(arg("drags", "40"));
if (!app || !casePath) {
  console.error("usage: node e2e/bench.mjs --app BINARY --case CASE [--stream ID] [--starts N] [--drags N]");
  process.exit(2);
}
const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const config = mkdtempSync(join(tmpdir(), "casefile-bench-"));

async function coldStart() {
  const d = new Driver({ app, shots: config, env: { CASEFILE_CONFIG_DIR: config } });
  await d.start();
  try {
    await d.waitFor("h1", (t) => t === "Casefile");
    for (let i = 0; i < 50; i++) {
      const perf = await d.exec("return window.casefilePerf || null");
      if (perf?.coldStartMs) return perf.coldStartMs;
      await sleep(100);
    }
    throw new Error("the app recorded no cold start time");
  } finally {
    await d.stop();
  }
}

async function scrub() {
  const d = new Driver({ app, shots: config, env: { CASEFILE_CONFIG_DIR: config } });
  await d.start();
  try {
    await d.type("input[aria-label='Case file path']", casePath);
    await d.click("form.open-row button[type=submit]");
    await d.waitFor("[data-testid=density-strip]", null, 120000);
    await d.type("input[aria-label='Search entities']", stream);
    await d.click(await d.waitFor(".entities li button", (t) => t.startsWith(stream), 60000));
    await d.waitFor("[data-testid=state-summary]", null, 120000);
    const [left, top, width, height] = await d.exec(
      "const r = document.querySelector('[data-testid=density-strip]').getBoundingClientRect(); return [r.left, r.top, r.width, r.height];",
    );
    // Warm-up drag (first questions build the case's in-memory index), then measured drags.
    await d.drag(left + width * 0.2, left + width * 0.8, top + height / 2, 10);
    await sleep(1500);
    await d.exec("window.casefilePerf.scrubs = []; window.casefilePerf.stateCalls = []");
    for (let i = 0; i < drags; i++) {
      const a = 0.05 + ((i * 37) % 90) / 100;
      const b = 0.05 + ((i * 53 + 11) % 90) / 100;
      await d.drag(left + width * a, left + width * b, top + height / 2, 6);
      await sleep(120);
    }
    await sleep(500);
    return (await d.exec("return window.casefilePerf")) ?? { scrubs: [], stateCalls: [] };
  } finally {
    await d.stop();
  }
}

try {
  const startsMs = [];
  for (let i = 0; i < starts; i++) startsMs.push(await coldStart());
  console.log(`cold start to interactive (ms, ${starts} launches): ${startsMs.join(", ")}; median ${quantile(startsMs, 0.5)}`);
  const { scrubs: s, stateCalls: calls } = await scrub();
  if (s.length === 0) throw new Error("no scrub was measured");
  const line = (xs) =>
    `p50 ${quantile(xs, 0.5).toFixed(1)}, p95 ${quantile(xs, 0.95).toFixed(1)}, max ${Math.max(...xs).toFixed(1)}`;
  console.log(`scrub, oldest unserved input to its state painted (ms, ${s.length} paints): ${line(s)}`);
  console.log(`  of which the state request round trip (ms, ${calls.length} requests): ${line(calls)}`);
} finally {
  rmSync(config, { recursive: true, force: true });
}
