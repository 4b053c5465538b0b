export { ActionError, InputError, SHOWN_MAX, shown } from './errors.js';
export { RULES, type Rule, matches } from './rules.js';
export { type RunContext, runContext } from './run-context.js';
export {
  type WorkspacePath,
  workspacePath,
  workspaceRoot,
  realPath,
  existingFile,
  readWorkspaceFile,
  directoryPath,
  outputFilePath,
} from './workspace-path.js';
export { Inputs, type InputSource, actionsInputSource, mapInputSource, recordingSource } from './inputs.js';
export { type Command, command, shellQuote, toShellLine, redact, describe } from './command.js';
export {
  type Runner,
  type ExecResult,
  type LineSink,
  LocalRunner,
  CommandError,
  check,
  lastLine,
  toStdout,
} from './runner.js';
export { cell, code, escapeText, table, details, heading, writeSummary } from './summary.js';
export { run } from './run.js';
export { type GitHubClient, type RepoRef, createGitHubClient, repoFromEnv } from './github.js';
export { type StickyComment, type StickyResult, markerLine, upsertStickyComment } from './sticky-comment.js';
export { CONNECTION_INPUT, type Connection, readConnection } from './connection.js';
export {
  BUILD_ARG,
  type CommitFacts,
  OCI_LABEL,
  buildArgs,
  commitDateCommand,
  eventCommitDate,
  ociLabels,
  readCommitDate,
  releaseTag,
  shortSha,
  sourceUrlFromEnv,
  utcIso,
  utcTimestamp,
} from './build-metadata.js';
