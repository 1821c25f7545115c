"""The pipeline with `merge_queue`, run on the sample backend for a merge queue's merge_group
event: every required check reports, green, from a job that ran."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from baseline.stack.validation import parse_settings
from testing.pipeline_runner import Event, Machine, RunResult
from tests.pipeline_e2e import sample
from tests.pipeline_e2e.test_pipeline import PIPELINE, Sample, _sample
from workflows.backend_ci import backend_ci
from workflows.checks import job_checks, merge_group_job_ids
from workflows.options import BackendCiOptions
from workflows.templates import RenderedPipeline, rendered_pipeline

# The stack config of test_pipeline.py, with the merge queue on.
REPOSITORY = {"name": "shop", "pipeline": {**PIPELINE, "merge_queue": True}}


# Session-scoped, as test_pipeline.py's: the session's sample_template is built with them.
@pytest.fixture(scope="session")
def pipeline_options() -> BackendCiOptions:
    options = parse_settings(None, [REPOSITORY]).repositories[0].pipeline.options
    assert options.merge_queue
    return options


@pytest.fixture(scope="session")
def pipeline(pipeline_options: BackendCiOptions) -> RenderedPipeline:
    return rendered_pipeline("backend-ci", pipeline_options)


@pytest.fixture(scope="module")
def queued_sample(
    sample_template: Path,
    scratch: Path,
    machine: Machine,
    pipeline: RenderedPipeline,
    pipeline_options: BackendCiOptions,
) -> Sample:
    return _sample(sample_template, scratch / "shop-queue", machine, pipeline, pipeline_options)


@pytest.fixture(scope="module")
def merge_group_run(queued_sample: Sample) -> RunResult:
    """Pull request 1 queued: the merge queue's commit of it on main, run as its merge group."""
    repository = queued_sample.repository
    base_sha = sample.git(repository, "rev-parse", "main")
    queued_sample.change("feature/queued", lambda backend: None)
    sample.git(repository, "checkout", "--quiet", "-B", "gh-readonly-queue/main/pr-1", "main")
    subprocess.run(
        ["git", "merge", "--quiet", "--no-ff", "-m", "Merge pull request #1", "feature/queued"],
        cwd=repository,
        env={**os.environ, **sample.GIT_IDENTITY},
        check=True,
        capture_output=True,
    )
    group_sha = sample.git(repository, "rev-parse", "HEAD")
    return queued_sample.run(Event.merge_group(group_sha, base_sha))


def test_the_workflow_runs_on_merge_group(pipeline: RenderedPipeline) -> None:
    assert "\n  merge_group: {}\n" in pipeline.content


def test_merge_group_every_required_check_reports_success(
    merge_group_run: RunResult, pipeline: RenderedPipeline, pipeline_options: BackendCiOptions
) -> None:
    conclusions = merge_group_run.conclusions()
    assert {check: conclusions.get(check) for check in pipeline.required_checks} == dict.fromkeys(
        pipeline.required_checks, "success"
    ), merge_group_run.report()
    # Each from a job that ran there, as workflows.checks derives them.
    workflow = backend_ci(pipeline_options)
    running = {
        check
        for job_id in merge_group_job_ids(workflow)
        for check in job_checks(workflow.job(job_id))
    }
    assert set(pipeline.required_checks) <= running
    for check in pipeline.required_checks:
        steps = merge_group_run.job(check).steps
        assert steps, f"{check} reported without running"
        assert steps[0].outcome == "success", merge_group_run.report()


def test_merge_group_deploys_nothing_and_files_nothing(merge_group_run: RunResult) -> None:
    conclusions = merge_group_run.conclusions()
    assert conclusions["Deployment Readiness Check"] == "skipped"  # pushes to main only
    assert conclusions["Bug Logger"] == "skipped"
    assert merge_group_run.event.name == "merge_group"
    assert merge_group_run.event.ref.startswith("refs/heads/gh-readonly-queue/main/pr-1-")
