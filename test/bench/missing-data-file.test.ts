import { describe, expect, it } from "vitest";
import { loadReferenceScores } from "../../src/bench/index.ts";
import { ExitCode, isTroupeError } from "../../src/core/index.ts";

describe("a data file that does not exist (issue 12.15)", () => {
  it("is a usage error naming the file, for every loader (calibrate --against included), not an unexpected failure", async () => {
    const error = await loadReferenceScores("./no/such/evaluations.jsonl").catch((e: unknown) => e);
    expect(isTroupeError(error)).toBe(true);
    expect((error as { exitCode: number }).exitCode).toBe(ExitCode.usage);
    expect((error as Error).message).toMatch(/No such file: \.\/no\/such\/evaluations\.jsonl/);
  });
});
