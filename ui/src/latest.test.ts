import { describe, expect, it } from "vitest";
import { latestOnly } from "./latest";

describe("latestOnly", () => {
  it("an older search answering last does not replace the newer answer", async () => {
    const shown: string[] = [];
    let answerOld: (v: string) => void = () => {};
    const older = latestOnly();
    const oldAnswer = new Promise<string>((r) => (answerOld = r)).then(older.keep((v) => shown.push(v)));
    older.drop(); // the text changed: a new search supersedes it
    const newer = latestOnly();
    await Promise.resolve("applicant-0005").then(newer.keep((v) => shown.push(v)));
    answerOld("applicant-0001");
    await oldAnswer;
    expect(shown).toEqual(["applicant-0005"]);
  });
});
