// Browser test of transition stories, from the form to the embed: in Chromium with
// JavaScript off, a person fills in the form at /stories/new (a story whose text is hostile
// HTML) and submits it; the thank-you page answers. An editor approves it through the API;
// the embed page then shows the story as text, and nothing in it runs (no dialog, no
// console error). A form with a mistake comes back with the error next to its field.
//
// usage: ADMIN_TOKEN=... node stories.test.mjs API_ORIGIN
import { adminApi, check, finish, launch, watch } from "./harness.mjs";

const [api] = process.argv.slice(2);
const token = process.env.ADMIN_TOKEN;
if (!api || !token) {
  console.error("usage: ADMIN_TOKEN=... node stories.test.mjs API_ORIGIN");
  process.exit(2);
}
const slug = "healthcare-ai-ml-engineer";
const hostile = "<script>alert(1)</script><img src=x onerror=alert(2)>";
const story = `${hostile} I was a pharmacist for eight years before I moved into machine learning. `
  + "I studied Python and statistics in the evenings, then built models on public clinical data. ".repeat(3);

const browser = await launch();

const admin = adminApi(api, token);

try {
  // The form, as a person without JavaScript uses it.
  const formContext = await browser.newContext({ javaScriptEnabled: false });
  const form = await formContext.newPage();
  await form.goto(`${api}/stories/new?roadmap=${slug}`);
  check("the form has a heading", (await form.locator("h1").textContent()).includes("Submit a transition story"));
  await form.getByLabel("Clinical role they came from").fill("Pharmacist");
  await form.getByLabel("Role they reached").fill("ML Engineer");
  await form.getByLabel("Year of the move").fill("not a year");
  await form.getByLabel("Their story").fill(story);
  await form.getByLabel(/I agree that this story may be published/).check();
  await form.getByRole("button", { name: "Submit the story" }).click();
  await form.waitForLoadState();
  const yearError = form.locator("#year-error");
  check("a mistake comes back next to its field", (await yearError.count()) === 1,
    await form.content());
  check("what was typed is kept", (await form.getByLabel("Their story").inputValue()).startsWith(hostile));
  await form.getByLabel("Year of the move").fill("2022");
  await form.getByLabel(/I agree that this story may be published/).check();
  await form.getByRole("button", { name: "Submit the story" }).click();
  await form.waitForLoadState();
  check("the thank-you page answers", (await form.locator("h1").textContent()) === "Thank you");
  await formContext.close();

  // An editor approves it.
  const queue = await (await admin("/v1/stories?status=pending")).json();
  const submitted = queue.data.find((s) => s.story.startsWith(hostile));
  check("the story waits in the queue", Boolean(submitted), JSON.stringify(queue));
  const current = await admin(`/v1/stories/${submitted.id}`);
  const approved = await admin(`/v1/stories/${submitted.id}`, {
    method: "PATCH",
    headers: { "content-type": "application/merge-patch+json", "if-match": current.headers.get("etag") },
    body: JSON.stringify({ status: "approved" }),
  });
  check("the editor approves it", approved.status === 200, String(approved.status));

  // The embed shows it as text, and runs nothing of it.
  for (const path of [`/embed/roadmaps/${slug}`, `/roadmaps/${slug}`]) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const { dialogs, errors } = watch(context, page);
    await page.goto(`${api}${path}`);
    await page.waitForLoadState("load");
    const section = page.locator("section[aria-labelledby=stories]");
    const text = await section.innerText();
    check(`${path}: the story shows as text`, text.includes(hostile), text.slice(0, 300));
    check(`${path}: no element came from the story`,
      (await section.locator("script, img").count()) === 0);
    check(`${path}: nothing ran`, dialogs.length === 0, JSON.stringify(dialogs));
    check(`${path}: no console errors`, errors.length === 0, JSON.stringify(errors));
    check(`${path}: links to the form`,
      (await page.getByRole("link", { name: "Submit their story →" }).getAttribute("href")).includes(`/stories/new?roadmap=${slug}`));
    await context.close();
  }
} finally {
  await browser.close();
}

finish();
