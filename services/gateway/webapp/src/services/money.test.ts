import { describe, expect, it } from "vitest";
import { AmountError, compareFen, fenToWan, fenToWanInput, fenToYuan, needsConfirmation, wanToFen } from "./money";

describe("万元 ↔ fen", () => {
  it("reads typed 万元 exactly, never through a float", () => {
    expect(wanToFen("350")).toBe(350_000_000);
    expect(wanToFen("1,200.50")).toBe(1_200_500_000);
    expect(wanToFen("0.000001")).toBe(1);
    expect(wanToFen("0.1")).toBe(100_000); // 0.1 万元 = 1000 元
  });

  it("refuses what is not an amount, naming why", () => {
    const code = (text: string) => {
      try {
        wanToFen(text);
        return "ok";
      } catch (error) {
        return (error as AmountError).code;
      }
    };
    expect(code("")).toBe("required");
    expect(code("-5")).toBe("negative");
    expect(code("12a")).toBe("format");
    expect(code("1.0000001")).toBe("precision");
    expect(code("99999999999999")).toBe("too_large");
  });

  it("shows fen as 万元 and 元 with separators, half-up", () => {
    expect(fenToWan(350_000_000)).toBe("350.00");
    expect(fenToWan(1_234_567_895_000)).toBe("1,234,567.90");
    expect(fenToWan(5_000)).toBe("0.01");
    expect(fenToYuan(350_000_000)).toBe("3,500,000.00");
    expect(fenToYuan(-150)).toBe("-1.50");
    expect(fenToWanInput(350_500_000)).toBe("350.5");
  });

  it("shows a hidden (null) amount as such instead of crashing (the library's second page, issue 17)", () => {
    expect(() => fenToWan(null)).not.toThrow();
    expect(fenToWan(null)).toBe("—");
    expect(fenToWan(undefined, "（涉密不显示）")).toBe("（涉密不显示）");
    expect(fenToYuan(null)).toBe("—");
    expect(fenToWanInput(null)).toBe("");
    const page = [350_000_000, null, 120_000_000];
    expect([...page].sort(compareFen)).toEqual([120_000_000, 350_000_000, null]);
  });

  it("asks for confirmation above 1亿元 (3500000 typed as 万元 is 350亿元)", () => {
    expect(needsConfirmation(wanToFen("3500000"))).toBe(true);
    expect(needsConfirmation(wanToFen("10000"))).toBe(false);
    expect(needsConfirmation(wanToFen("10000.01"))).toBe(true);
  });
});
