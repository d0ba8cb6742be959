import { describe, expect, it } from "vitest";
import { latestOnly } from "./latest";

describe("latestOnly", () => {
  it("an older search answering last does not replace the newer answer", async () => {
    const shown: string[] = [];
    const resolvers: ((v: string) => void)[] = [];
    const slow = new Promise<string>((resolve) => resolvers.push(resolve));
    const older = latestOnly();
    const oldAnswer = slow.then(older.keep((v: string) => shown.push(v)));
    older.drop(); // the text changed: a new search supersedes it
    const newer = latestOnly();
    await Promise.resolve("applicant-0005").then(newer.keep((v: string) => shown.push(v)));
    resolvers[0]("applicant-0001");
    await oldAnswer;
    expect(shown).toEqual(["applicant-0005"]);
  });
});
