// actions/github-script v8.0.0 (ed597411d8f924073f98dfc5c65a23a2325f34cd), its src/main.ts,
// src/async-function.ts, src/retry-options.ts and src/wrap-require.ts in plain JavaScript, on the
// same packages (package.json beside this file), for the local runner
// (testing/pipeline_runner/github_script.py). As on a runner, the inputs are INPUT_<NAME>
// variables (the action's defaults filled in by the runner), the context is @actions/github's
// own, read from the GITHUB_* variables and the event payload file, and a thrown error fails the
// step through core.setFailed.
'use strict';

const path = require('path');
const core = require('@actions/core');
const exec = require('@actions/exec');
const { context, getOctokit } = require('@actions/github');
const { defaults: defaultGitHubOptions } = require('@actions/github/lib/utils');
const glob = require('@actions/glob');
const io = require('@actions/io');
const { requestLog } = require('@octokit/plugin-request-log');
const { retry } = require('@octokit/plugin-retry');

const AsyncFunction = Object.getPrototypeOf(async () => null).constructor;

// src/wrap-require.ts: a module the script requires is looked up from the working directory.
const wrapRequire = new Proxy(require, {
  apply: (target, thisArg, [moduleID]) => {
    if (moduleID.startsWith('.')) {
      return target.apply(thisArg, [path.resolve(moduleID)]);
    }
    const modulePath = target.resolve.apply(thisArg, [moduleID, { paths: [process.cwd()] }]);
    return target.apply(thisArg, [modulePath]);
  },
  get: (target, prop, receiver) => {
    Reflect.get(target, prop, receiver);
  },
});

// src/retry-options.ts
function getRetryOptions(retries, exemptStatusCodes, defaultOptions) {
  if (retries <= 0) {
    return [{ enabled: false }, defaultOptions.request];
  }
  const retryOptions = { enabled: true };
  if (exemptStatusCodes.length > 0) {
    retryOptions.doNotRetry = exemptStatusCodes;
  }
  return [retryOptions, { ...defaultOptions.request, retries }];
}

function parseNumberArray(listString) {
  return listString ? listString.trim().split(',').map((x) => parseInt(x)) : [];
}

// src/main.ts
async function main() {
  const token = core.getInput('github-token', { required: true });
  const debug = core.getBooleanInput('debug');
  const userAgent = core.getInput('user-agent');
  const previews = core.getInput('previews');
  const baseUrl = core.getInput('base-url');
  const retries = parseInt(core.getInput('retries'));
  const exemptStatusCodes = parseNumberArray(core.getInput('retry-exempt-status-codes'));
  const [retryOpts, requestOpts] = getRetryOptions(
    retries,
    exemptStatusCodes,
    defaultGitHubOptions,
  );
  const opts = {
    log: debug ? console : undefined,
    userAgent: userAgent || undefined,
    previews: previews ? previews.split(',') : undefined,
    retry: retryOpts,
    request: requestOpts,
  };
  if (baseUrl) {
    opts.baseUrl = baseUrl;
  }
  const github = getOctokit(token, opts, retry, requestLog);
  const script = core.getInput('script', { required: true });
  const args = {
    require: wrapRequire,
    __original_require__: require,
    github,
    octokit: github,
    context,
    core,
    exec,
    glob,
    io,
  };
  const result = await new AsyncFunction(...Object.keys(args), script)(...Object.values(args));

  const encoding = core.getInput('result-encoding') || 'json';
  let output;
  switch (encoding) {
    case 'json':
      output = JSON.stringify(result);
      break;
    case 'string':
      output = String(result);
      break;
    default:
      throw new Error('"result-encoding" must be either "string" or "json"');
  }
  core.setOutput('result', output);
}

function handleError(err) {
  console.error(err);
  core.setFailed(`Unhandled error: ${err}`);
}

process.on('unhandledRejection', handleError);
main().catch(handleError);
