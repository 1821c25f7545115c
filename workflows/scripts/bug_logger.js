// Bug Logger: files a failed run (actions/github-script: `github`, `context`, `core`), as the
// step's BUG_LOGGER_MODE says (`pipeline.bug_logger`):
// - `issue`: one open issue per workflow and branch. The first failure opens it; a later one
//   comments on it. On a pull request, a comment there points to it and its author is assigned.
// - `comment`: a comment on the failing pull request only; other events file nothing.
const mode = process.env.BUG_LOGGER_MODE;
const { owner, repo } = context.repo;
const pr = context.payload.pull_request;
// The branch the failure belongs to: a pull request's head branch (github.head_ref); for a merge
// queue's group, the branch it merges into (merge_group.base_ref: each group has its own
// temporary gh-readonly-queue/... branch, which would open an issue per group); else the short
// name of the ref the run was for (github.ref_name).
const group = context.payload.merge_group;
const ref = group ? group.base_ref : context.ref;
const branch = pr ? pr.head.ref : ref.replace(/^refs\/(heads|tags)\//, '');
const run = `${context.serverUrl}/${owner}/${repo}/actions/runs/${context.runId}`;
const failed = `The workflow **${context.workflow}** failed on \`${branch}\` (${context.sha}).`;

if (mode === 'comment') {
  if (!pr) {
    core.notice(`Bug Logger: nothing filed, a ${context.eventName} run has no pull request`);
    return;
  }
  const body = `CI failed for this pull request. ${failed}\n\nRun: ${run}`;
  await github.rest.issues.createComment({ owner, repo, issue_number: pr.number, body });
  return;
}
if (mode !== 'issue') {
  throw new Error(`BUG_LOGGER_MODE is ${JSON.stringify(mode)}: "issue" or "comment" expected`);
}

// The open issue is found by a marker in its body, so people may retitle it; the title only
// names it. GitHub lists pull requests among issues (they carry `pull_request`): skipped.
const title = `CI failure: ${context.workflow} on ${branch}`;
const failure = [
  failed,
  '',
  `Run: ${run}`,
  pr ? `Pull request: #${pr.number}` : `Event: ${context.eventName}`,
].join('\n');
const marker = `<!-- repo-baseline:bug-logger:${context.workflow}:${branch} -->`;
const labelled = await github.paginate(github.rest.issues.listForRepo, {
  owner, repo, state: 'open', labels: 'ci-failure', per_page: 100,
});
let issue = labelled.find((item) => !item.pull_request && (item.body ?? '').includes(marker));
if (issue) {
  const issue_number = issue.number;
  await github.rest.issues.createComment({ owner, repo, issue_number, body: failure });
} else {
  ({ data: issue } = await github.rest.issues.create({
    owner, repo, title, body: `${failure}\n\n${marker}`, labels: ['bug', 'ci-failure'],
  }));
}
if (pr) {
  await github.rest.issues.createComment({
    owner, repo, issue_number: pr.number,
    body: `CI failed for this pull request; details in #${issue.number}.`,
  });
  const login = pr.user.login;
  try {
    // GitHub may answer 201 and assign nobody ("Assignees are silently ignored" at times).
    const { data: assigned } = await github.rest.issues.addAssignees({
      owner, repo, issue_number: issue.number, assignees: [login],
    });
    const same = (user) => user.login.toLowerCase() === login.toLowerCase();
    if (!(assigned.assignees ?? []).some(same)) {
      core.warning(`Could not assign ${login} to #${issue.number}: GitHub did not assign them`);
    }
  } catch (error) {
    core.warning(`Could not assign ${login} to #${issue.number}: ${error.message}`);
  }
}
