import { describe, expect, it } from "vitest";
import { formatIndexText } from "../../../../local/report/index-text.ts";

describe("formatIndexText", () => {
  it("prints a line per bucket with its counts, S, and a bar left for down and right for up", () => {
    const text = formatIndexText({
      instrument: "XAU",
      bucket: "day",
      points: [
        { at: "2024-03-01", headlines: 1234, up: 600, constant: 34, down: 100, directionality: 0.6812, sentiment: 0.3 },
        { at: "2024-03-02", headlines: 4, up: 0, constant: 1, down: 3, directionality: -0.75, sentiment: -0.5 },
        { at: "2024-03-03", headlines: 2, up: 0, constant: 0, down: 0, directionality: null, sentiment: 0 },
      ],
    });
    expect(text.split("\n")).toEqual([
      "XAU directionality index, daily (UTC), 2024-03-01 to 2024-03-03: 1,240 headlines",
      "S = (up − down) / (up + constant + down) of the headlines' price direction: −1 all down, +1 all up",
      "",
      "day          headlines     up  const   down       S  down      |        up",
      "2024-03-01       1,234    600     34    100  +0.681            |███████",
      "2024-03-02           4      0      1      3  −0.750    ████████|",
      "2024-03-03           2      0      0      0       —            |  no price move stated",
      "",
    ]);
  });

  it("says so when there is nothing to show", () => {
    expect(formatIndexText({ instrument: "XPD", bucket: "day", points: [] })).toBe("no headlines about XPD in this range\n");
  });
});
