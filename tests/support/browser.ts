import chromium from "@sparticuz/chromium";
import { type Page, chromium as playwright } from "playwright-core";

/**
 * Opens a local HTML file in a real headless Chromium (the build @sparticuz/chromium ships inside its npm package, driven
 * by playwright-core) and hands the page to fn; fails the test on any error the page logs or throws.
 */
export async function withPage<T>(file: string, fn: (page: Page) => Promise<T>): Promise<T> {
  const browser = await playwright.launch({ executablePath: await chromium.executablePath(), args: chromium.args, headless: true });
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(message.text());
    });
    await page.goto(`file://${file}`);
    const result = await fn(page);
    if (errors.length > 0) throw new Error(`the page reported errors: ${errors.join("; ")}`);
    return result;
  } finally {
    await browser.close();
  }
}

/** What a person sees of the chart: its size, the dots and bars drawn inside it, and the time labels under it. */
export async function chartLayout(page: Page, sectionHeading: string) {
  return page.evaluate((heading) => {
    const section = [...document.querySelectorAll("section")].find((s) => s.querySelector("h2")?.textContent?.startsWith(heading));
    const svg = section?.querySelector("svg");
    if (!svg) return null;
    const box = (e: Element) => {
      const r = e.getBoundingClientRect();
      return { left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width, height: r.height };
    };
    const labelY = Math.max(...[...svg.querySelectorAll("text")].map((t) => Number(t.getAttribute("y"))));
    return {
      svg: box(svg),
      dots: [...svg.querySelectorAll("circle")].map(box),
      bars: [...svg.querySelectorAll("rect")].map(box),
      timeLabels: [...svg.querySelectorAll("text[text-anchor='middle']")].map((t) => ({ text: t.textContent, ...box(t) })),
      hasLegend: [...svg.querySelectorAll("text")].some((t) => Number(t.getAttribute("y")) === labelY),
    };
  }, sectionHeading);
}
