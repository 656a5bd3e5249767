import { describe, expect, it } from "vitest";
import { ListBatcher } from "../../src/clouds/batch";

describe("ListBatcher", () => {
  it("serves concurrent finds in one group from one list", async () => {
    const b = new ListBatcher<string>(10);
    let lists = 0;
    const list = async () => (
      lists++,
      new Map([
        ["a", "A"],
        ["b", "B"],
      ])
    );
    const found = await Promise.all(["a", "b", "c"].map((id) => b.find("g", id, list)));
    expect(found).toEqual(["A", "B", undefined]); // "c" falls back to its own read
    expect(lists).toBe(1);
  });

  it("a lone find, or a failed list, answers undefined (the caller reads the key itself)", async () => {
    const b = new ListBatcher<string>(5);
    let lists = 0;
    expect(await b.find("g", "a", async () => (lists++, new Map([["a", "A"]])))).toBeUndefined();
    expect(lists).toBe(0);
    const failing = async (): Promise<Map<string, string>> => {
      throw new Error("403");
    };
    expect(await Promise.all([b.find("g", "a", failing), b.find("g", "b", failing)])).toEqual([undefined, undefined]);
  });

  it("keeps groups apart", async () => {
    const b = new ListBatcher<string>(5);
    const calls: string[] = [];
    const list = (g: string) => async () => (calls.push(g), new Map([["x", g]]));
    const found = await Promise.all([b.find("one", "x", list("one")), b.find("two", "x", list("two")), b.find("one", "y", list("one"))]);
    expect(found).toEqual(["one", undefined, undefined]);
    expect(calls).toEqual(["one"]);
  });
});
