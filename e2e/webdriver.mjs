// A small WebDriver client for the real Casefile window: starts Xvfb and tauri-driver (which starts
// WebKitWebDriver and the app), and stops them by process id when done. No dependencies.
import { spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class Driver {
  /** `port` is tauri-driver's; it runs WebKitWebDriver on `port + 1`. */
  constructor({ app, display = ":99", port = 4444, env = {}, shots }) {
    Object.assign(this, { app, display, port, env, shots, children: [], id: null });
  }

  spawn(cmd, args, env = {}) {
    const child = spawn(cmd, args, {
      env: { ...process.env, ...env },
      stdio: ["ignore", "ignore", "inherit"],
    });
    child.on("error", (e) => {
      throw new Error(`${cmd} could not start: ${e.message}`);
    });
    this.children.push(child);
    return child;
  }

  /** Starts a display, the driver and the app; on any failure stops what it started and throws. */
  async start() {
    try {
      return await this.startAll();
    } catch (e) {
      await this.stop();
      throw e;
    }
  }

  async startAll() {
    // A display of our own: skip numbers another X server holds (a lock file says so).
    let n = Number(this.display.slice(1));
    while (existsSync(`/tmp/.X${n}-lock`)) n++;
    this.display = `:${n}`;
    const xvfb = this.spawn("Xvfb", [this.display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"]);
    for (let i = 0; i < 50 && !existsSync(`/tmp/.X${n}-lock`); i++) await sleep(100);
    if (xvfb.exitCode !== null) throw new Error(`Xvfb could not start on ${this.display}`);
    this.spawn("tauri-driver", ["--port", String(this.port), "--native-port", String(this.port + 1)], {
      DISPLAY: this.display,
      ...this.env,
    });
    for (let i = 0; i < 100; i++) {
      try {
        await fetch(`http://127.0.0.1:${this.port}/status`);
        break;
      } catch {
        await sleep(100);
      }
    }
    const launched = Date.now();
    const session = await this.call("POST", "/session", {
      capabilities: { alwaysMatch: { "tauri:options": { application: this.app } } },
    });
    this.id = session.sessionId;
    return launched;
  }

  async stop() {
    if (this.id) await this.call("DELETE", `/session/${this.id}`).catch(() => {});
    this.id = null;
    for (const c of this.children.reverse()) {
      try {
        c.kill("SIGTERM");
      } catch {
        // already gone
      }
    }
    this.children = [];
  }

  async call(method, path, body) {
    const res = await fetch(`http://127.0.0.1:${this.port}${path}`, {
      method,
      headers: { "content-type": "application/json" },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json.value ?? json)}`);
    return json.value;
  }

  s(path) {
    return `/session/${this.id}${path}`;
  }

  /** The first element matching `css`, as `{ id }` (element references are not CSS). */
  async find(css) {
    const found = await this.call("POST", this.s("/element"), { using: "css selector", value: css });
    return { id: Object.values(found)[0] };
  }

  async findAll(css) {
    const all = await this.call("POST", this.s("/elements"), { using: "css selector", value: css });
    return all.map((e) => ({ id: Object.values(e)[0] }));
  }

  /** Waits until `css` matches an element (whose text passes `test`, if given); returns it. */
  async waitFor(css, test = null, timeoutMs = 20000) {
    const until = Date.now() + timeoutMs;
    let last = "";
    while (Date.now() < until) {
      try {
        if (!test) return await this.find(css);
        for (const el of await this.findAll(css)) {
          last = await this.text(el);
          if (test(last)) return el;
        }
      } catch {
        // not there yet, or re-rendered while read
      }
      await sleep(100);
    }
    throw new Error(`timed out waiting for ${css}${test ? ` (last text: "${last}")` : ""}`);
  }

  /** Clicks an element (from `find`) or the first match of a CSS selector, once it exists. */
  async click(elOrCss) {
    const el = typeof elOrCss === "string" ? await this.waitFor(elOrCss) : elOrCss;
    await this.call("POST", this.s(`/element/${el.id}/click`), {});
  }

  async type(elOrCss, text) {
    const el = typeof elOrCss === "string" ? await this.waitFor(elOrCss) : elOrCss;
    // Empty it with real keys, as a person would (WebDriver's "clear" fires no input event, so
    // React would not see it): End, then one Backspace per character.
    await this.call("POST", this.s(`/element/${el.id}/click`), {});
    // The field's own value: the click may not have left it focused yet (seen once, right after a
    // case opened), and the keys below go to the element anyway.
    const length = String((await this.call("GET", this.s(`/element/${el.id}/property/value`))) ?? "").length;
    const erase = `\uE010${"\uE003".repeat(length)}`;
    await this.call("POST", this.s(`/element/${el.id}/value`), { text: erase + text });
    // A screen that fills the field in itself between the length read and the keys (a default
    // arriving late) would leave the two run together: say so rather than go on with it.
    const now = await this.call("GET", this.s(`/element/${el.id}/property/value`));
    if (now !== text) throw new Error(`typed ${JSON.stringify(text)} but the field reads ${JSON.stringify(now)}`);
  }

  /** Waits until the input matching `css` holds a value passing `test` (a default filled in). */
  async waitForValue(css, test, timeoutMs = 20000) {
    const until = Date.now() + timeoutMs;
    let last = null;
    while (Date.now() < until) {
      last = await this.exec("const e = document.querySelector(arguments[0]); return e ? e.value : null", [css]);
      if (last !== null && test(last)) return last;
      await sleep(100);
    }
    throw new Error(`timed out waiting for the value of ${css} (last: ${JSON.stringify(last)})`);
  }

  async text(el) {
    return this.call("GET", this.s(`/element/${el.id}/text`));
  }

  /** The text content of every match of `css` (WebKitWebDriver's visible-text check skips cells of
   * virtualized grids, which are positioned by transforms). */
  async texts(css) {
    return this.exec("return [...document.querySelectorAll(arguments[0])].map((e) => e.textContent)", [css]);
  }

  /** Waits until some match of `css` has text content passing `test`. */
  async waitForText(css, test, timeoutMs = 20000) {
    const until = Date.now() + timeoutMs;
    let seen = [];
    while (Date.now() < until) {
      seen = await this.texts(css);
      if (seen.some(test)) return;
      await sleep(100);
    }
    throw new Error(`timed out waiting for ${css} (saw ${JSON.stringify(seen.slice(0, 5))})`);
  }

  async attr(el, name) {
    return this.call("GET", this.s(`/element/${el.id}/attribute/${name}`));
  }

  async exec(script, args = []) {
    return this.call("POST", this.s("/execute/sync"), { script, args });
  }

  async keys(...keys) {
    const actions = [];
    for (const k of keys) actions.push({ type: "keyDown", value: k });
    for (const k of [...keys].reverse()) actions.push({ type: "keyUp", value: k });
    await this.call("POST", this.s("/actions"), { actions: [{ type: "key", id: "keyboard", actions }] });
    await this.call("DELETE", this.s("/actions"));
  }

  /** Presses at (x0, y), moves to (x1, y) in `steps` moves, releases: a real drag. */
  async drag(x0, x1, y, steps = 8) {
    const moves = [];
    for (let i = 1; i <= steps; i++) {
      moves.push({
        type: "pointerMove",
        duration: 30,
        origin: "viewport",
        x: Math.round(x0 + ((x1 - x0) * i) / steps),
        y: Math.round(y),
      });
    }
    await this.call("POST", this.s("/actions"), {
      actions: [
        {
          type: "pointer",
          id: "mouse",
          parameters: { pointerType: "mouse" },
          actions: [
            { type: "pointerMove", duration: 0, origin: "viewport", x: Math.round(x0), y: Math.round(y) },
            { type: "pointerDown", button: 0 },
            ...moves,
            { type: "pointerUp", button: 0 },
          ],
        },
      ],
    });
    await this.call("DELETE", this.s("/actions"));
  }

  async screenshot(name) {
    const png = await this.call("GET", this.s("/screenshot"));
    const file = join(this.shots, `${name}.png`);
    writeFileSync(file, Buffer.from(png, "base64"));
    return file;
  }
}

export const KEY = { ArrowLeft: "\uE012", ArrowRight: "\uE014", Shift: "\uE008", Alt: "\uE00A", Control: "\uE009", Enter: "\uE007" };
