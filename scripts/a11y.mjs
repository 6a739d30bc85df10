// Runs axe-core (WCAG 2.1 A and AA rules) in headless Chromium on every page listed in
// pages.txt, served at the base URL given as first argument, and checks keyboard use:
// the first Tab lands on a visible skip link. Exits 1 on any violation.
//   node scripts/a11y.mjs http://127.0.0.1:8000
import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const axePath = require.resolve("axe-core/axe.min.js");
const base = (process.argv[2] || "http://127.0.0.1:8000").replace(/\/$/, "");
const pages = readFileSync(new URL("./pages.txt", import.meta.url), "utf8")
  .split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
// The home pages, and the face their main heading must be drawn in. The Latin pages ask
// for Inter first; the Arabic one keeps the same stack, whose Inter faces cover only
// Latin (unicode-range), so its Arabic letters must come from Noto Sans Arabic.
const fontChecks = { "/": "Inter", "/en/": "Inter", "/ar/": "Noto Sans Arabic" };

async function checkFonts(page, family) {
  await page.evaluate(async () => { await document.fonts.ready; });
  const state = await page.evaluate((family) => ({
    inter: document.fonts.check("16px Inter"),
    family: document.fonts.check(`16px "${family}"`, document.querySelector("h1")?.textContent || "a"),
    computed: getComputedStyle(document.querySelector("h1")).fontFamily,
  }), family);
  if (!state.inter) return "document.fonts.check('16px Inter') is false";
  if (!state.family) return `document.fonts.check('16px "${family}"') is false for the heading's text`;
  const stack = state.computed.split(",").map((f) => f.trim().replace(/^"|"$/g, ""));
  if (!stack.includes(family) || (family === "Inter" && stack[0] !== family))
    return `the main heading's font-family is ${state.computed}`;
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("DOM.enable");
  await cdp.send("CSS.enable");
  const { root } = await cdp.send("DOM.getDocument");
  const { nodeId } = await cdp.send("DOM.querySelector", { nodeId: root.nodeId, selector: "h1" });
  const { fonts } = await cdp.send("CSS.getPlatformFontsForNode", { nodeId });
  await cdp.detach();
  const main = fonts.slice().sort((a, b) => b.glyphCount - a.glyphCount)[0];
  // A static face names itself "Inter ExtraBold": its family name starts with the family.
  if (!main || !main.familyName.startsWith(family) || !main.isCustomFont)
    return `the main heading is drawn in ${JSON.stringify(fonts)}, not in the web font ${family}`;
  return "";
}

// The search pages: what a query must find, read once the results are shown: the
// first result, then pages that must follow it among the first ones.
const searchChecks = {
  "/recherche/?q=flamme": ["/presse/flamme-olympique/", "/actualites/flamme-olympique-marseille/"],
  "/en/search/?q=flame": ["/en/press/olympic-flame/", "/en/news/olympic-flame-in-marseille/"],
  "/ar/bahth/?q=%D8%A7%D9%84%D8%A8%D8%AD%D8%B1": ["/ar/film/", "/ar/manifeste/"],
};

async function checkSearch(page, want) {
  try {
    await page.waitForSelector(".search-results li", { timeout: 15000 });
  } catch {
    const status = await page.locator(".search-status").textContent();
    return `no result shown (status: ${JSON.stringify(status)})`;
  }
  const found = await page.$$eval(".search-results li h2 a", (as) => as.map((a) => a.getAttribute("href")));
  const [first, ...then] = want;
  if (found[0] !== first || !then.every((w) => found.slice(1, want.length + 2).includes(w)))
    return `the first results are ${JSON.stringify(found.slice(0, 5))}, not ${JSON.stringify(want)} first`;
  const section = await page.$eval(".search-results li .search-section", (p) => p.textContent);
  if (!section.trim()) return "the first result shows no section";
  const excerpt = await page.$eval(".search-results li p:last-child", (p) => p.innerHTML);
  if (!excerpt.includes("<mark>")) return `the first excerpt marks no word: ${excerpt}`;
  return "";
}

let failures = 0;
for (const width of [1440, 390]) {
  const context = await browser.newContext({ viewport: { width, height: 900 } });
  const page = await context.newPage();
  // Bytes of the search index the page loaded (entry, metadata, index chunks and the
  // results' fragments), and of the code that reads it (pagefind.js and its wasm).
  let indexBytes = 0, codeBytes = 0;
  page.on("response", async (r) => {
    const p = new URL(r.url()).pathname;
    if (!p.startsWith("/pagefind/")) return;
    let n = 0;
    try { n = (await r.body()).length; } catch { /* a cancelled request */ }
    if (p.endsWith(".js") || p.startsWith("/pagefind/wasm.")) codeBytes += n; else indexBytes += n;
  });
  for (const path of pages) {
    indexBytes = 0;
    codeBytes = 0;
    const response = await page.goto(base + path, { waitUntil: "load" });
    const status = response ? response.status() : 0;
    if (status !== 200 && !path.endsWith("404.html")) {
      console.log(`${path} @${width}: HTTP ${status}`);
      failures++;
      continue;
    }
    if (searchChecks[path]) {
      const problem = await checkSearch(page, searchChecks[path]);
      if (problem) {
        failures++;
        console.log(`${path} @${width}: search: ${problem}`);
      }
      await page.waitForLoadState("networkidle");
      if (width === 1440)
        console.log(`${path}: one query loaded ${(indexBytes / 1000).toFixed(1)} kB of the index and ${(codeBytes / 1000).toFixed(1)} kB of search code`);
      if (indexBytes > 100 * 1000) {
        failures++;
        console.log(`${path}: search: one query loaded ${indexBytes} bytes of the index (budget 100 KB)`);
      }
    }
    await page.addScriptTag({ path: axePath });
    const result = await page.evaluate(async () =>
      await window.axe.run(document, {
        runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
      }));
    for (const v of result.violations) {
      failures++;
      console.log(`${path} @${width}: ${v.id} (${v.impact}): ${v.help}`);
      for (const n of v.nodes.slice(0, 5)) {
        console.log(`    ${n.target.join(" ")}: ${n.failureSummary.split("\n").slice(1).join(" ").trim()}`);
      }
    }
    // Keyboard: the first Tab shows the skip link, which leads to the main content.
    await page.keyboard.press("Tab");
    const skip = await page.evaluate(() => {
      const a = document.activeElement;
      if (!a || !a.classList.contains("skip-link")) return "the first Tab does not focus the skip link";
      const r = a.getBoundingClientRect();
      if (r.bottom <= 0 || r.height === 0) return "the skip link stays hidden when focused";
      const style = getComputedStyle(a);
      if (style.outlineStyle === "none" && style.boxShadow === "none" && a.matches(":focus-visible") === false)
        return "the focused skip link has no visible focus";
      return document.querySelector(a.getAttribute("href")) ? "" : "the skip link's target does not exist";
    });
    if (skip) {
      failures++;
      console.log(`${path} @${width}: keyboard: ${skip}`);
    }
    // Web fonts: the brand's faces load, and the main heading is drawn in them (the
    // fonts Chromium really used for it, not only what the CSS asks for).
    const script = fontChecks[path];
    if (script && width === 1440) {
      const problem = await checkFonts(page, script);
      if (problem) {
        failures++;
        console.log(`${path}: web fonts: ${problem}`);
      }
    }
  }
  await context.close();
}
await browser.close();
console.log(`axe: ${pages.length} pages at 1440 and 390 px: ${failures} problem(s)`);
process.exit(failures ? 1 : 0);
