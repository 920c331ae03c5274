import { describe, expect, it } from "vitest";
import { answerWithin, shared } from "./answer-within";

const never = new Promise<string>(() => {});

describe("answerWithin", () => {
  it("answers with the fallback once the time is up, whatever the work is still doing", async () => {
    const started = Date.now();
    expect(await answerWithin(never, 200, () => "not answering")).toBe("not answering");
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("answers with the work's result when it comes first", async () => {
    expect(await answerWithin(Promise.resolve("registered"), 5000, () => "not answering")).toBe("registered");
  });
});

describe("shared", () => {
  it("runs one lookup for callers that ask while it is running, and a new one afterwards", async () => {
    let runs = 0;
    let finish: (value: number) => void = () => {};
    const lookup = () => {
      runs++;
      return new Promise<number>((resolve) => {
        finish = resolve;
      });
    };
    const first = shared("registrations:acme", lookup);
    const second = shared("registrations:acme", lookup);
    expect(runs).toBe(1);
    finish(3);
    expect(await Promise.all([first, second])).toEqual([3, 3]);
    void shared("registrations:acme", lookup);
    expect(runs).toBe(2);
    finish(0);
  });
});
