// Browser test of learner progress in the embed and the standalone page, and of printing.
// Runs against a copy of the bundled roadmap under a slug of its own, made and removed through
// the admin API, so the other browser tests see the roadmap unchanged.
//
//  - Without JavaScript the page reads as before: no checkbox, no bar.
//  - With it: a checkbox beside each trackable item, a bar per phase and overall that agree
//    with the API's /progress for the same keys; checks survive a reload (localStorage) and
//    export to a JSON file that imports back after a reset.
//  - Edits do not lose progress: an editor reorders a group's topics, retitles one and removes
//    another; after a reload the same items are checked, the removed one's check is gone and
//    the page says one item was removed.
//  - A page pinned to a revision (?rev=N) keeps checks of items only later revisions have.
//  - The loader passes {type: "roadmap-api:progress", slug, percent} on to the partner page.
//  - Print: the standalone page printed to PDF by Chromium has a sensible page count,
//    selectable text (pdftotext reads it) with links written out, and no controls.
//
// usage: ADMIN_TOKEN=<admin token> node progress.test.mjs API_ORIGIN PARTNER_ORIGIN
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adminApi, check, finish, launch, until, watch } from "./harness.mjs";

const [api, partner] = process.argv.slice(2);
const token = process.env.ADMIN_TOKEN;
if (!api || !partner || !token) {
  console.error("usage: ADMIN_TOKEN=<admin token> node progress.test.mjs API_ORIGIN PARTNER_ORIGIN");
  process.exit(2);
}
const screenshots = new URL("../target/screenshots/", import.meta.url).pathname;
mkdirSync(screenshots, { recursive: true });
const scratch = mkdtempSync(join(tmpdir(), "progress-test-"));

const admin = adminApi(api, token);
/** Writes `body` as the roadmap at `path`, with the headers given (preconditions). */
const put = (path, body, headers) => admin(path, {
  method: "PUT",
  headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify(body),
});

const source = "healthcare-ai-ml-engineer";
const slug = `progress-test-${process.pid}`;
const document = await (await fetch(`${api}/v1/roadmaps/${source}`)).json();
document.slug = slug;
const created = await put(`/v1/roadmaps/${slug}`, document, { "if-none-match": "*" });
if (created.status !== 201) {
  console.error(`could not make the test roadmap: ${created.status} ${await created.text()}`);
  process.exit(1);
}

const browser = await launch();

/** The keys of the checked boxes, in page order. */
const checked = (frame) => frame.$$eval("input.rp-check:checked", (boxes) => boxes.map((b) => b.dataset.for));
const overall = (frame) => frame.textContent(".rp-tools .rp-bar span");
const box = (key) => `input.rp-check[data-for="${key}"]`;

try {
  const page = `${api}/roadmaps/${slug}`;

  // Without JavaScript: the page as it has always read.
  {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const tab = await context.newPage();
    await tab.goto(page);
    const boxes = await tab.$$eval("input, progress, button", (nodes) => nodes.length);
    check("without JavaScript: no checkbox, bar or button", boxes === 0, `found ${boxes}`);
    const text = await tab.textContent("main");
    check("without JavaScript: the roadmap reads", text.includes("Phase 1: Foundation") && text.includes("Python Fundamentals"));
    await context.close();
  }

  const context = await browser.newContext({ viewport: { width: 1024, height: 900 }, acceptDownloads: true });
  const tab = await context.newPage();
  const { errors, requests } = watch(context, tab);
  await tab.goto(page, { waitUntil: "load" });
  await tab.waitForSelector("input.rp-check");

  // 16 topics, 4 tracks, 3 checkpoints, 5 projects, 3 first moves; a bar overall and per phase.
  const boxes = await tab.$$eval("input.rp-check", (nodes) => nodes.length);
  check("a checkbox beside each trackable item", boxes === 31, `found ${boxes}`);
  const bars = await tab.$$eval("progress", (nodes) => nodes.length);
  check("a bar overall and one per phase", bars === 4, `found ${bars}`);
  check("nothing is done at first", (await overall(tab)) === "0 of 28 done (0%)", await overall(tab));

  const done = ["python-fundamentals", "pandas-dataframes", "basic-sql", "track-b-clinical-nlp-ehr",
    "readmission-prediction", "map-your-clinical-superpower"];
  for (const key of done) await tab.check(box(key));
  const answer = await (await fetch(`${api}/v1/roadmaps/${slug}/progress?done=${done.join(",")}`)).json();
  const expected = `${answer.done} of ${answer.total} done (${answer.percent}%)`;
  check("the overall bar agrees with the API", (await overall(tab)) === expected, `${await overall(tab)} vs ${expected}`);
  const phase1 = await tab.textContent("h3[data-units] + .rp-bar span");
  const p1 = answer.phases[0];
  check("the phase bar agrees with the API", phase1 === `${p1.done} of ${p1.total} done (${p1.percent}%)`, phase1);
  const stored = await tab.evaluate((key) => localStorage.getItem(key), `roadmap-api:progress:${slug}`);
  check("checks are kept in localStorage under the roadmap", JSON.parse(stored).done.length === done.length, stored);

  await tab.reload({ waitUntil: "load" });
  await tab.waitForSelector("input.rp-check");
  check("checks survive a reload", JSON.stringify(await checked(tab)) === JSON.stringify(done), JSON.stringify(await checked(tab)));

  // Export, reset, import.
  const [download] = await Promise.all([tab.waitForEvent("download"), tab.click("text=Export")]);
  const exported = join(scratch, download.suggestedFilename());
  await download.saveAs(exported);
  const file = JSON.parse(readFileSync(exported, "utf8"));
  check("export is a small JSON file of the roadmap's done keys",
    download.suggestedFilename() === `${slug}-progress.json` && file.roadmap === slug && file.done.length === done.length,
    JSON.stringify(file));
  await tab.click("text=Reset");
  check("reset clears every check", (await checked(tab)).length === 0 && (await overall(tab)).startsWith("0 of"));
  await tab.setInputFiles(".rp-file input", exported);
  await until(async () => (await checked(tab)).length === done.length);
  check("import brings the exported checks back", (await checked(tab)).length === done.length, JSON.stringify(await checked(tab)));
  const other = join(scratch, "other.json");
  writeFileSync(other, JSON.stringify({ roadmap: "another-roadmap", done: ["basic-sql"] }));
  await tab.setInputFiles(".rp-file input", other);
  const refused = await until(async () => {
    const note = await tab.textContent(".rp-note");
    return note.includes("not an export") && note;
  });
  check("another roadmap's file is refused, progress kept", refused && (await checked(tab)).length === done.length, refused);

  // An editor reorders the first group's topics, retitles one and removes another.
  const current = await fetch(`${api}/v1/roadmaps/${slug}`);
  const etag = current.headers.get("etag");
  const edited = await current.json();
  const topics = edited.learning_path.phases[0].topic_groups[0].topics;
  topics.reverse();
  edited.learning_path.phases[0].topic_groups[0].topics = topics.filter((t) => t.key !== "pandas-dataframes");
  const retitled = edited.learning_path.phases[0].topic_groups[0].topics.find((t) => t.key === "basic-sql");
  retitled.text = "SQL basics: SELECT, JOIN and GROUP BY";
  const written = await put(`/v1/roadmaps/${slug}`, edited, { "if-match": etag });
  check("the edit is published", written.status === 200, String(written.status));
  await tab.reload({ waitUntil: "load" });
  await tab.waitForSelector("input.rp-check");
  const after = await checked(tab);
  const kept = done.filter((key) => key !== "pandas-dataframes");
  check("after the edit the same items stay checked", JSON.stringify([...after].sort()) === JSON.stringify([...kept].sort()), JSON.stringify(after));
  const order = await tab.$$eval("h4 + ul > li[data-key]", (items) => items.slice(0, 2).map((li) => li.dataset.key));
  check("in the new order", order[0] === "basic-sql" && order[1] === "python-fundamentals", JSON.stringify(order));
  const label = await tab.textContent(`li[data-key="basic-sql"]`);
  check("the retitled item is checked under its new title",
    label.includes("SQL basics: SELECT") && await tab.isChecked(box("basic-sql")), label);
  const note = await tab.textContent(".rp-note");
  check("the page says one item was removed", /One item you had checked was removed/.test(note), note);
  await tab.screenshot({ path: `${screenshots}progress-after-edit.png`, fullPage: false });
  await tab.reload({ waitUntil: "load" });
  await tab.waitForSelector("input.rp-check");
  const stale = await tab.evaluate((key) => localStorage.getItem(key), `roadmap-api:progress:${slug}`);
  check("the removed key is dropped from storage, and said once", !stale.includes("pandas-dataframes") && (await tab.textContent(".rp-note")) === "", stale);

  check("no console errors under the CSP", errors.length === 0, JSON.stringify(errors));
  const sent = requests.filter((url) => /\/progress(\?|$)|[?&]done=/.test(url));
  check("progress is sent nowhere", sent.length === 0 && requests.every((url) => url.startsWith(api) || url.startsWith("blob:")),
    JSON.stringify(requests));

  // Print: the whole roadmap on paper, links written out, no controls.
  await tab.emulateMedia({ media: "print" });
  const hidden = await tab.$$eval(".rp-ctl", (nodes) => nodes.every((n) => getComputedStyle(n).display === "none"));
  check("print: no checkboxes, bars or buttons", hidden);
  // page.pdf() prints with the print stylesheet, as a reader's "Save as PDF" does.
  await tab.emulateMedia({ media: null });
  const pdf = join(scratch, "roadmap.pdf");
  await tab.pdf({ path: pdf, format: "A4", printBackground: false });
  const info = execFileSync("pdfinfo", [pdf], { encoding: "utf8" });
  const pages = Number(/Pages:\s+(\d+)/.exec(info)?.[1]);
  check("print: a sensible page count", pages >= 4 && pages <= 25, `${pages} pages`);
  const text = execFileSync("pdftotext", [pdf, "-"], { encoding: "utf8" }).replace(/\s+/g, " ");
  check("print: the text is selectable", text.includes("Healthcare AI/ML Engineer Roadmap") && text.includes("Phase 3: Specialization"));
  check("print: links are written out", text.includes("(https://course.fast.ai/)"), "no written-out link");
  check("print: no controls on paper", !/\bExport\b|\bReset\b|of 28 done/.test(text));
  execFileSync("pdftoppm", ["-png", "-r", "50", "-f", "1", "-l", "1", pdf, `${screenshots}progress-print`]);

  // A page pinned to a revision keeps checks of items only later revisions have.
  const storeKey = `roadmap-api:progress:${slug}`;
  await tab.evaluate(([key, value]) => localStorage.setItem(key, value),
    [storeKey, JSON.stringify({ done: ["basic-sql", "an-item-of-a-later-revision"] })]);
  await tab.goto(`${page}?rev=1`, { waitUntil: "load" });
  await tab.waitForSelector("input.rp-check");
  const pinned = await tab.evaluate((key) => localStorage.getItem(key), storeKey);
  check("a pinned page keeps checks it cannot show, and says nothing",
    pinned.includes("an-item-of-a-later-revision") && (await tab.textContent(".rp-note")) === "" &&
    JSON.stringify(await checked(tab)) === JSON.stringify(["basic-sql"]), pinned);
  await context.close();

  // The loader passes the reader's progress on to the partner page.
  {
    const context = await browser.newContext({ viewport: { width: 1024, height: 800 }, acceptDownloads: true });
    const tab = await context.newPage();
    await tab.goto(`${partner}/partner.html?api=${encodeURIComponent(api)}`, { waitUntil: "load" });
    await tab.evaluate(() => {
      window.progressEvents = [];
      document.addEventListener("roadmap-api:progress", (event) => window.progressEvents.push(event.detail));
    });
    const frame = await (await tab.waitForSelector("#roadmap iframe")).contentFrame();
    await frame.waitForSelector("input.rp-check");
    const first = await until(() => tab.getAttribute("#roadmap", "data-progress"));
    check("partner page: the loader sets data-progress", first === "0", String(first));
    await frame.check(box("basic-sql"));
    await frame.check(box("python-fundamentals"));
    const events = await until(async () => {
      const seen = await tab.evaluate(() => window.progressEvents);
      return seen.some((e) => e.percent === 7) && seen;
    });
    const last = events && events[events.length - 1];
    check("partner page: a roadmap-api:progress event with slug and percent",
      last && last.type === "roadmap-api:progress" && last.slug === source && last.percent === 7, JSON.stringify(events));
    check("partner page: data-progress follows", (await tab.getAttribute("#roadmap", "data-progress")) === "7");
    const shown = await tab.textContent("#progress");
    check("partner page: the demo shows it", shown === "You are 7% through this roadmap.", shown);
    // Export works inside the partner's iframe too.
    const [download] = await Promise.all([tab.waitForEvent("download"), frame.click("text=Export")]);
    const saved = join(scratch, "from-embed.json");
    await download.saveAs(saved);
    const file = JSON.parse(readFileSync(saved, "utf8"));
    check("partner page: export works in the iframe", file.roadmap === source && file.done.length === 2, JSON.stringify(file));
    await tab.screenshot({ path: `${screenshots}progress-partner.png` });
    await context.close();
  }
} finally {
  await browser.close();
  await admin(`/v1/roadmaps/${slug}`, { method: "DELETE" });
}

finish();
