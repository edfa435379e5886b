import { describe, expect, it } from "vitest";
import { textSignature } from "../../text/index.js";
import { isNearDuplicate } from "./duplicates.js";

const dup = (a: string, b: string) => isNearDuplicate(textSignature(a), textSignature(b));

describe("near-duplicates", () => {
  it("the same text, however spaced, cased or punctuated", () => {
    expect(dup("Deploys go out on Tuesdays.", "deploys  go out on tuesdays")).toBe(true);
  });

  it("nearly the same words", () => {
    const base = "The nightly backup of the billing database runs at 01:30 UTC and keeps fourteen days";
    expect(dup(base, base.replace(" of ", " "))).toBe(true);
    expect(dup(base, `${base} too`)).toBe(true);
  });

  it("never when a number or a name differs, however alike the rest", () => {
    const base = "The nightly backup of the billing database runs at 01:30 UTC and keeps fourteen days";
    expect(dup(base, base.replace("01:30", "02:30"))).toBe(false);
    expect(dup(base, base.replace("UTC", "CET"))).toBe(false);
    expect(dup(base, `${base} 2`)).toBe(false);
    const said = "Caroline: I went to the support group yesterday and it was really powerful for me";
    expect(dup(said, said.replace("Caroline", "Melanie"))).toBe(false);
  });

  it("not when the words differ", () => {
    expect(dup("Sounds great, Caroline! Let's plan something special!", "Sounds great, Mel! We'll make some awesome memories!")).toBe(false);
  });
});
