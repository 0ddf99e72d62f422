// Browser test of partner embeds: the partner demo (served from another origin) loads the
// loader from the API, which turns a <div> into an iframe of the embed page. At 320 px and
// 1024 px wide: the iframe shows the roadmap, grows to its content's height through the
// postMessage protocol, the console stays free of errors, and no request leaves 127.0.0.1.
// Then the interactive docs (Swagger UI) render under the CSP the API sends with them, with
// no console errors and no request leaving the server: at 127.0.0.1, and under a host name
// that is not localhost (mapped to 127.0.0.1 by --host-resolver-rules), where Swagger UI
// would otherwise call its online validator.
// Screenshots go to target/screenshots/ for a person to look at.
//
// usage: node embed.test.mjs API_ORIGIN PARTNER_ORIGIN
import { mkdirSync } from "node:fs";
import { check, finish, launch, watch } from "./harness.mjs";

const [api, partner] = process.argv.slice(2);
if (!api || !partner) {
  console.error("usage: node embed.test.mjs API_ORIGIN PARTNER_ORIGIN");
  process.exit(2);
}
const screenshots = new URL("../target/screenshots/", import.meta.url).pathname;
mkdirSync(screenshots, { recursive: true });

const docsHost = "docs.roadmap-api.test";
const apiByName = api.replace("127.0.0.1", docsHost);
const browser = await launch([`--host-resolver-rules=MAP ${docsHost} 127.0.0.1`]);

try {
  for (const width of [320, 1024]) {
    const context = await browser.newContext({ viewport: { width, height: 800 } });
    const page = await context.newPage();
    const { requests, errors } = watch(context, page);

    await page.goto(`${partner}/partner.html?api=${encodeURIComponent(api)}`, { waitUntil: "load" });
    const frameElement = await page.waitForSelector("#roadmap iframe", { timeout: 15000 });
    const frame = await frameElement.contentFrame();
    await frame.waitForSelector("h1", { timeout: 15000 });
    const title = await frame.textContent("h1");
    check(`${width}px: the iframe shows the roadmap`, title.includes("Healthcare AI/ML Engineer Roadmap"), title);
    const phases = await frame.$$eval("#phases ~ h3", (nodes) => nodes.length);
    check(`${width}px: the phases are there`, phases === 3, `found ${phases}`);

    // The page posts its height; the loader applies it. Wait for the iframe to grow to it.
    const contentHeight = await frame.evaluate(() => document.documentElement.scrollHeight);
    await page.waitForFunction(
      (expected) => {
        const iframe = document.querySelector("#roadmap iframe");
        return iframe && Math.abs(iframe.getBoundingClientRect().height - expected) <= 2;
      },
      contentHeight,
      { timeout: 15000 },
    );
    const frameHeight = await page.$eval("#roadmap iframe", (el) => el.getBoundingClientRect().height);
    check(`${width}px: the iframe took its content's height`, frameHeight > 800 && Math.abs(frameHeight - contentHeight) <= 2,
      `iframe ${frameHeight}px, content ${contentHeight}px`);
    const overflow = await frame.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    check(`${width}px: nothing overflows sideways`, overflow <= 0, `${overflow}px`);

    check(`${width}px: no console errors`, errors.length === 0, JSON.stringify(errors));
    const foreign = requests.filter((url) => !url.startsWith("http://127.0.0.1:") && !url.startsWith("data:"));
    check(`${width}px: no request leaves 127.0.0.1`, foreign.length === 0, JSON.stringify(foreign));
    check(`${width}px: the embed was requested from the API`, requests.some((url) => url.startsWith(`${api}/embed/roadmaps/`)));

    await page.screenshot({ path: `${screenshots}partner-${width}.png`, fullPage: true });
    await context.close();
  }

  for (const [where, origin] of [["127.0.0.1", api], [docsHost, apiByName]]) {
    const context = await browser.newContext({ viewport: { width: 1024, height: 800 } });
    const page = await context.newPage();
    const { requests, errors } = watch(context, page);
    await page.goto(`${origin}/docs/`, { waitUntil: "networkidle" });
    await page.waitForSelector(".swagger-ui .info .title", { timeout: 15000 });
    const title = await page.textContent(".swagger-ui .info .title");
    check(`docs at ${where}: Swagger UI renders the spec`, title.includes("roadmap-api"), title);
    const operations = await page.$$eval(".opblock", (nodes) => nodes.length);
    check(`docs at ${where}: every operation is listed`, operations >= 25, `found ${operations}`);
    check(`docs at ${where}: no console errors under the CSP`, errors.length === 0, JSON.stringify(errors));
    const foreign = requests.filter((url) => !url.startsWith(`${origin}/`) && !url.startsWith("data:"));
    check(`docs at ${where}: no request leaves the server`, foreign.length === 0, JSON.stringify(foreign));
    const badge = await page.$$eval("[src*='validator'], [href*='validator']", (nodes) => nodes.length);
    check(`docs at ${where}: no validator badge`, badge === 0, `found ${badge}`);
    await page.screenshot({ path: `${screenshots}docs-${where}.png` });
    await context.close();
  }
} finally {
  await browser.close();
}

finish();
