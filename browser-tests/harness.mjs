// What the browser tests share: Chromium started as these machines allow, the tally of
// checks, a watch on what a page does, polling, and the admin API.
import { chromium } from "playwright-core";

/**
 * Debian's Chromium, headless. Nothing may reach for the network on its own: the machines
 * are offline, and a refused connection would show as a console error.
 */
export function launch(extraArgs = []) {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
      ...extraArgs,
    ],
  });
}

let passed = 0;
let failed = 0;

/** Records one check, printed as `ok - name` or `not ok - name detail`. */
export function check(name, condition, detail = "") {
  if (condition) {
    passed += 1;
    console.log(`ok - ${name}`);
  } else {
    failed += 1;
    console.log(`not ok - ${name} ${detail}`);
  }
}

/** Prints the tally and exits, with status 0 only when every check passed. */
export function finish() {
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

/** Records the context's requests, and the page's console errors and dialogs (dismissed). */
export function watch(context, page) {
  const seen = { requests: [], errors: [], dialogs: [] };
  context.on("request", (request) => seen.requests.push(request.url()));
  page.on("console", (message) => { if (message.type() === "error") seen.errors.push(message.text()); });
  page.on("pageerror", (error) => seen.errors.push(String(error)));
  page.on("dialog", async (dialog) => { seen.dialogs.push(dialog.message()); await dialog.dismiss(); });
  return seen;
}

/** Polls `probe` until it returns a truthy value, for 10 s at most; returns its last value. */
export async function until(probe) {
  const deadline = Date.now() + 10000;
  for (;;) {
    const value = await probe();
    if (value || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** `fetch` of a path of the API at `api`, with the admin token. */
export function adminApi(api, token) {
  return (path, init = {}) => fetch(`${api}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, ...(init.headers ?? {}) },
  });
}
