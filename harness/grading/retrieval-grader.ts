import { z } from "zod";
import { matchesAnyExpected, matchesExpected, normalizePath } from "./paths.js";
import { defineGrader } from "./types.js";

export const RetrievalGradeSchema = z.object({
  /** False when the item lists no expected files: hit and recall are then null. */
  applicable: z.boolean(),
  hit: z.boolean().nullable(),
  recall: z.number().min(0).max(1).nullable(),
  /** Fraction of distinct evidence paths that are expected files; null without expected files or evidence. */
  precision: z.number().min(0).max(1).nullable(),
  expectedFound: z.array(z.string()),
  expectedMissing: z.array(z.string()),
  /** Whether some citation points into an expected file; null without expected files. */
  citesExpected: z.boolean().nullable(),
});
export type RetrievalGrade = z.infer<typeof RetrievalGradeSchema>;

/** Evidence paths = the record's evidencePaths ∪ the paths of its evidence items, normalised and distinct. */
export function distinctEvidencePaths(record: { evidencePaths: readonly string[]; evidence: ReadonlyArray<{ path: string }> }): string[] {
  return [...new Set([...record.evidencePaths, ...record.evidence.map((item) => item.path)].map(normalizePath))];
}

export const retrievalGrader = defineGrader({
  name: "retrieval",
  schema: RetrievalGradeSchema,
  grade({ record, item }): RetrievalGrade {
    const paths = distinctEvidencePaths(record);
    const expected = item.expected_files;
    if (expected.length === 0) {
      return { applicable: false, hit: null, recall: null, precision: null, expectedFound: [], expectedMissing: [], citesExpected: null };
    }
    const expectedFound = expected.filter((file) => paths.some((path) => matchesExpected(path, file)));
    const expectedMissing = expected.filter((file) => !expectedFound.includes(file));
    const relevant = paths.filter((path) => matchesAnyExpected(path, expected));
    return {
      applicable: true,
      hit: expectedFound.length > 0,
      recall: expectedFound.length / expected.length,
      precision: paths.length === 0 ? null : relevant.length / paths.length,
      expectedFound,
      expectedMissing,
      citesExpected: record.citations.some((citation) => matchesAnyExpected(citation.path, expected)),
    };
  },
});
