// Bug Logger: open an issue for a failed run (actions/github-script: `github`, `context`, `core`).
const repository = `${context.serverUrl}/${context.repo.owner}/${context.repo.repo}`;
const run = `${repository}/actions/runs/${context.runId}`;
const pr = context.payload.pull_request;
const body = [
  `The workflow **${context.workflow}** failed on \`${context.ref}\` (${context.sha}).`,
  '',
  `Run: ${run}`,
  pr ? `Pull request: #${pr.number}` : `Event: ${context.eventName}`,
].join('\n');
const { data: issue } = await github.rest.issues.create({
  owner: context.repo.owner,
  repo: context.repo.repo,
  title: `CI failure: ${context.workflow} #${context.runNumber}`,
  body,
  labels: ['bug', 'ci-failure'],
});
if (pr) {
  await github.rest.issues.createComment({
    owner: context.repo.owner,
    repo: context.repo.repo,
    issue_number: pr.number,
    body: `CI failed for this pull request; details in #${issue.number}.`,
  });
  try {
    await github.rest.issues.addAssignees({
      owner: context.repo.owner,
      repo: context.repo.repo,
      issue_number: issue.number,
      assignees: [pr.user.login],
    });
  } catch (error) {
    core.warning(`Could not assign ${pr.user.login}: ${error.message}`);
  }
}
