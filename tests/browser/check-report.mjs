// Opens the HTML report in headless Chromium and checks what a reader sees: the four charts drawn
// (SVG with bars), the section tables present with rows, no console error, no page error, and no
// network request of any kind (the report must be self-contained). Saves a full-page screenshot.
//
// Usage: node check-report.mjs REPORT.html SCREENSHOT.png [CHROMIUM]
// Exits 0 when every check passes; prints each failure and exits 1 otherwise.
import { chromium } from "playwright-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [report, screenshot, executablePath = "/usr/bin/chromium"] = process.argv.slice(2);
if (!report || !screenshot) {
  console.error("usage: node check-report.mjs REPORT.html SCREENSHOT.png [CHROMIUM]");
  process.exit(2);
}

// A fresh profile, and every background service off: the machine's network is closed, and the
// report must not need one.
const profile = mkdtempSync(join(tmpdir(), "closedloop-chromium-"));
const failures = [];
const context = await chromium.launchPersistentContext(profile, {
  executablePath,
  headless: true,
  viewport: { width: 1400, height: 900 },
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
try {
  const page = context.pages()[0] ?? (await context.newPage());
  const url = pathToFileURL(resolve(report)).href;
  page.on("console", (m) => {
    if (m.type() === "error") failures.push(`console error: ${m.text()}`);
  });
  page.on("pageerror", (e) => failures.push(`page error: ${e.message}`));
  page.on("request", (r) => {
    if (r.url() !== url) failures.push(`request: ${r.url()}`);
  });
  const response = await page.goto(url, { waitUntil: "load" });
  if (!response || !response.ok()) failures.push(`loading ${url} failed`);

  const dom = await page.evaluate(() => {
    const chart = (id) => {
      const svg = document.getElementById(`chart-${id}`);
      if (!svg) return null;
      const box = svg.getBoundingClientRect();
      return {
        bars: svg.querySelectorAll("rect").length,
        width: box.width,
        height: box.height,
        title: svg.querySelector("title")?.textContent ?? "",
      };
    };
    const table = (id) => {
      const t = document.getElementById(id);
      return t ? t.querySelectorAll("tbody tr").length : null;
    };
    return {
      title: document.title,
      charts: Object.fromEntries(
        ["funnel", "revenue-by-model", "speed-to-lead", "mqls-vs-target"].map((id) => [id, chart(id)]),
      ),
      tables: Object.fromEntries(
        [
          "funnel-campaign", "funnel-channel", "funnel-content", "attribution-campaign", "attribution-channel",
          "model-comparison", "lead-quality-campaign", "content-assets", "sla-months", "speed-owner",
          "sla-breaches", "stalled-mqls", "coverage", "duplicates", "quarantine", "push-errors",
        ].map((id) => [id, table(id)]),
      ),
      sections: [...document.querySelectorAll("section.report-section")].map((s) => s.id),
      printRules: [...document.styleSheets].some((s) =>
        [...s.cssRules].some((r) => r.media && r.media.mediaText.includes("print")),
      ),
    };
  });
  for (const [id, c] of Object.entries(dom.charts)) {
    if (!c) failures.push(`chart ${id} missing`);
    else if (c.bars < 2) failures.push(`chart ${id} has no bars (${c.bars} rects)`);
    else if (c.width < 200 || c.height < 60) failures.push(`chart ${id} is not visible (${c.width}x${c.height})`);
  }
  for (const [id, rows] of Object.entries(dom.tables)) {
    if (rows === null) failures.push(`table ${id} missing`);
    else if (rows < 1) failures.push(`table ${id} has no rows`);
  }
  for (const s of ["summary", "funnel", "attribution", "lead-quality", "content", "sla", "data-health"]) {
    if (!dom.sections.includes(s)) failures.push(`section ${s} missing`);
  }
  if (!dom.printRules) failures.push("no print stylesheet");
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(JSON.stringify({ title: dom.title, charts: dom.charts, tables: dom.tables }, null, 1));
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
if (failures.length) {
  for (const f of failures) console.error(`FAIL ${f}`);
  process.exit(1);
}
console.log("report renders: charts and tables present, no console errors, no requests");
