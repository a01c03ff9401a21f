/**
 * Intake: every training file is validated and hashed once per file and ETag, whole and streamed,
 * before any job, and the verdict is cached in Retrainer's per-target state. The snapshot uses it
 * to build a run's manifest (run key = the files' content hashes), the merge re-runs the same pass
 * to write the canonical CSV, and a catch-up pass can call `judgeTargetFiles` to learn which files
 * no run has judged yet. See `judgeTargetFiles` for the entry point.
 */
export { describeProblem, FileProblem, judgeCsv, JudgedContent, JudgeOptions, refusalReason } from './judge';
export { IntakeData, IntakeSchema, intakeDataOf, intakeSchemaOf, ColumnType } from './schema';
export {
    AcceptedFile,
    emptyFileVerdict,
    FileVerdict,
    IntakeIndex,
    intakeIndexBlobName,
    refusedBlobName,
    judgeBlob,
    judgeTargetFiles,
    JudgeTargetResult,
    knownVerdict,
    ListedFile,
    RefusedFile,
} from './verdicts';
export { ListedDataFile, listDataFiles, listTargetBlobs, TargetListing } from './listing';
