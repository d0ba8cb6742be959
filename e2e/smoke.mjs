// Drives the built desktop app in a real window: Xvfb + tauri-driver (+ WebKitWebDriver).
// Usage: node e2e/smoke.mjs <path to casefile-desktop binary> <screenshot dir>
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [app, shots = "test-artifacts/e2e", casePath] = process.argv.slice(2);
if (!app) {
  console.error("usage: node e2e/smoke.mjs APP [SCREENSHOT_DIR]");
  process.exit(2);
}
mkdirSync(shots, { recursive: true });

const display = ":99";
const port = 4444;
const children = [];
function start(cmd, args, env = {}) {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ["ignore", "inherit", "inherit"] });
  children.push(child);
  return child;
}
function stopAll() {
  for (const c of children.reverse()) {
    try {
      c.kill("SIGTERM");
    } catch {}
  }
}
process.on("exit", stopAll);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function wd(method, path, body) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json.value;
}

async function main() {
  start("Xvfb", [display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"]);
  await sleep(500);
  start("tauri-driver", ["--port", String(port)], { DISPLAY: display });
  for (let i = 0; i < 50; i++) {
    try {
      await fetch(`http://127.0.0.1:${port}/status`);
      break;
    } catch {
      await sleep(200);
    }
  }
  const session = await wd("POST", "/session", {
    capabilities: { alwaysMatch: { "tauri:options": { application: app } } },
  });
  const id = session.sessionId;
  try {
    let title = "";
    for (let i = 0; i < 50 && !title; i++) {
      try {
        const el = await wd("POST", `/session/${id}/element`, { using: "css selector", value: "h1" });
        title = await wd("GET", `/session/${id}/element/${Object.values(el)[0]}/text`);
      } catch {
        await sleep(200);
      }
    }
    const png = await wd("GET", `/session/${id}/screenshot`);
    writeFileSync(join(shots, "start.png"), Buffer.from(png, "base64"));
    if (title !== "Casefile") throw new Error(`the start screen's heading is "${title}", not "Casefile"`);
    console.log("e2e smoke: the window shows the start screen; screenshot in", shots);
    if (casePath) {
      const find = async (css) => Object.values(await wd("POST", `/session/${id}/element`, { using: "css selector", value: css }))[0];
      const waitFor = async (css) => {
        for (let i = 0; i < 100; i++) {
          try {
            return await find(css);
          } catch {
            await sleep(100);
          }
        }
        throw new Error(`nothing matches ${css}`);
      };
      await wd("POST", `/session/${id}/element/${await find("input")}/value`, { text: casePath });
      await wd("POST", `/session/${id}/element/${await find("button")}/click`, {});
      const search = await waitFor("input[aria-label='Search entities']");
      await wd("POST", `/session/${id}/element/${search}/value`, { text: "applicant-0005" });
      await sleep(600);
      await wd("POST", `/session/${id}/element/${await waitFor(".entities li button")}/click`, {});
      await waitFor(".state-tree");
      await sleep(400);
      const shot = await wd("GET", `/session/${id}/screenshot`);
      writeFileSync(join(shots, "workspace.png"), Buffer.from(shot, "base64"));
      console.log("e2e smoke: workspace screenshot taken");
    }
  } finally {
    await wd("DELETE", `/session/${id}`).catch(() => {});
  }
}

main()
  .then(() => {
    stopAll();
    process.exit(0);
  })
  .catch((e) => {
    console.error("e2e smoke failed:", e.message);
    stopAll();
    process.exit(1);
  });
