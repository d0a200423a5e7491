import { describe, expect, it } from "vitest";
import { renderIndexHtml } from "../../../../local/report/index-html.ts";

describe("renderIndexHtml", () => {
  const page = renderIndexHtml({
    instrument: "XAU",
    bucket: "week",
    points: [
      { at: "2024-02-26", headlines: 5, up: 1, constant: 0, down: 3, directionality: -0.5, sentiment: -0.2 },
      { at: "2024-03-04", headlines: 2, up: 0, constant: 0, down: 0, directionality: null, sentiment: 0 },
    ],
  });

  it("is one self-contained page: the chart, what S is, and a row per bucket", () => {
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).toContain("<h1>XAU directionality index</h1>");
    expect(page).toContain("weekly, UTC days, 2024-02-26 to 2024-03-04: 7 headlines about XAU, 4 of them stating a price move");
    expect(page).toContain("<svg ");
    expect(page).toContain(
      '<tr><td>2024-02-26</td><td>5</td><td>1</td><td>0</td><td>3</td><td class="down">-0.500</td><td>-0.200</td></tr>',
    );
    expect(page).toContain('<td class="">—</td>');
    expect(page).not.toMatch(/<script|(src|href)="https?:/);
  });

  it("escapes the instrument", () => {
    expect(renderIndexHtml({ instrument: "<b>", bucket: "day", points: [] })).toContain("<h1>&lt;b&gt; directionality index</h1>");
  });
});
