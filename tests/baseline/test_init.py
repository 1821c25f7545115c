"""`repo-baseline init`: a starter stack file the plan accepts as it is, never over another."""

from __future__ import annotations

import json
from pathlib import Path

from baseline.cli import main
from baseline.stack.inventory import Inventory, OrgRepository, dump
from baseline.stack.selection import resolve
from baseline.stack.validation import load_settings_file


def test_a_starter_names_the_organization_and_one_new_repository(tmp_path: Path) -> None:
    assert main(["init", "--owner", "Example-Org", "--directory", str(tmp_path)]) == 0
    path = tmp_path / "Pulumi.example-org.yaml"
    stack, settings = load_settings_file(path)
    assert (stack.stack, stack.owner) == ("example-org", "Example-Org")
    assert [(r.name, r.adopt) for r in settings.repositories] == [("my-service", False)]
    assert settings.repositories[0].protection.required_approvals == 1
    assert "#   repo-baseline plan --config Pulumi.example-org.yaml\n" in path.read_text()


def test_from_a_listing_every_repository_but_archived_and_forks_is_adopted(
    tmp_path: Path,
) -> None:
    listing = tmp_path / "inventory.json"
    repositories = (
        OrgRepository("payments", default_branch="trunk"),
        OrgRepository("Api"),
        OrgRepository("old", archived=True),
        OrgRepository("api-fork", fork=True),
    )
    listing.write_text(dump(Inventory("example-org", repositories)), encoding="utf-8")
    args = ["init", "--owner", "example-org", "--stack", "prod", "--inventory", str(listing)]
    assert main([*args, "--directory", str(tmp_path)]) == 0
    _, settings = load_settings_file(tmp_path / "Pulumi.prod.yaml")
    assert [(r.name, r.adopt) for r in settings.repositories] == [
        ("Api", True),
        ("payments", True),
    ]
    # It plans: each adopted repository on its own default branch.
    resolution = resolve(settings, Inventory("example-org", repositories))
    branches = {r.name: r.pipeline.options.default_branch for r in resolution.repositories}
    assert branches == {"Api": "main", "payments": "trunk"}


def test_an_existing_stack_file_is_left_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.prod.yaml"
    path.write_text("config: {}\n", encoding="utf-8")
    args = ["init", "--owner", "example-org", "--stack", "prod", "--directory", str(tmp_path)]
    assert main(args) == 2
    assert path.read_text() == "config: {}\n"


def test_a_listing_of_another_organization_is_refused(tmp_path: Path) -> None:
    listing = tmp_path / "inventory.json"
    listing.write_text(dump(Inventory("other-org", (OrgRepository("api"),))), encoding="utf-8")
    args = ["init", "--owner", "example-org", "--inventory", str(listing)]
    assert main([*args, "--directory", str(tmp_path)]) == 2
    assert list(tmp_path.glob("Pulumi.*")) == []
    assert json.loads(listing.read_text())["organization"] == "other-org"
