"""`digest init DIR`: a new site folder that loads as it is, and a refusal that writes nothing."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from generator import __version__
from generator.assets import builtins
from generator.cli import main
from generator.errors import ContentError
from generator.site import load_config, load_site
from generator.topics import load_topics

EXPECTED = {
    "content/site.yml",
    "content/topics.yml",
    "content/digests/.gitkeep",
    ".gitignore",
    "README.md",
    "requirements.txt",
    ".github/workflows/pages.yml",
    ".github/workflows/daily.yml",
}


def run(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def files_under(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def test_init_creates_a_site_that_loads(tmp_path: Path) -> None:
    site = tmp_path / "nested" / "mysite"
    code, out, err = run("init", site)
    assert code == 0, err
    assert files_under(site) == EXPECTED
    for name in EXPECTED:
        assert f"created {site / name}" in out
    assert "digest ingest" in out and "digest build" in out and "digest serve" in out

    with pytest.raises(ContentError, match=r"no papers yet: ingest a digest first"):
        load_site(site / "content")
    assert load_config(site / "content").title == "Research Digest"
    assert load_topics(site / "content" / "topics.yml")
    assert (site / "content" / "topics.yml").read_bytes() == builtins().topics.read_bytes()
    assert (site / "content" / "digests" / ".gitkeep").read_bytes() == b""
    assert {"_site/", ".cache/", ".venv/"} <= set((site / ".gitignore").read_text().split())


def test_init_title_is_one_yaml_string(tmp_path: Path) -> None:
    title = 'Lab "Digest": ML & #NLP'
    code, _, err = run("init", tmp_path / "s", "--title", title)
    assert code == 0, err
    assert load_config(tmp_path / "s" / "content").title == title
    assert (tmp_path / "s" / "README.md").read_text().startswith(f"# {title}\n")


def test_site_yml_has_exactly_the_known_keys(tmp_path: Path) -> None:
    run("init", tmp_path / "s")
    data = yaml.safe_load((tmp_path / "s" / "content" / "site.yml").read_text())
    assert set(data) == {"title", "description", "base_url", "repository", "branch"}
    assert all(isinstance(value, str) for value in data.values())


def test_requirements_pin_this_version(tmp_path: Path) -> None:
    run("init", tmp_path / "s")
    lines = (tmp_path / "s" / "requirements.txt").read_text().splitlines()
    pins = [line for line in lines if line.strip() and not line.startswith("#")]
    assert pins == [f"research-digest=={__version__}"]


def test_pages_workflow_builds_with_the_pinned_generator(tmp_path: Path) -> None:
    run("init", tmp_path / "s")
    workflow = yaml.safe_load((tmp_path / "s" / ".github" / "workflows" / "pages.yml").read_text())
    steps = workflow["jobs"]["build"]["steps"]
    commands = "\n".join(step.get("run", "") for step in steps)
    assert "pip install -r requirements.txt" in commands
    assert "digest ingest --content content content/digests" in commands  # the folder: no glob to split
    assert 'digest build --content content --out _site --base-url "https://' in commands
    assert [s["uses"].split("@")[0] for s in steps if "uses" in s][-1] == "actions/upload-pages-artifact"
    assert workflow["jobs"]["deploy"]["steps"][0]["uses"].startswith("actions/deploy-pages@")


def test_daily_workflow_fetches_commits_and_publishes(tmp_path: Path) -> None:
    """The scaffold's workflow as it is (tests/test_workflows.py lints it and checks it step by step)."""
    run("init", tmp_path / "s")
    text = (tmp_path / "s" / ".github" / "workflows" / "daily.yml").read_text()
    assert text == (files("generator") / "scaffold" / "daily.yml").read_text(encoding="utf-8")
    workflow = yaml.safe_load(text)
    assert set(workflow[True]) == {"schedule", "workflow_dispatch"}  # YAML reads the key `on` as True
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    commands = "\n".join(step.get("run", "") for step in steps)
    assert "python -m pip install -r requirements.txt" in commands
    assert 'digest fetch hf --since "$since"' in commands and "git push" in commands
    assert 'digest build --content content --out _site --base-url "$BASE_URL"' in commands
    assert "digest mail latest" in commands
    readme = (tmp_path / "s" / "README.md").read_text()
    for setting in ("daily.yml", "DIGEST_SMTP_PASSWORD", "ARXIV_QUERY", "base_url", "Read and write"):
        assert setting in readme


def test_init_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "notes.txt").write_text("mine")
    code, out, err = run("init", site)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("digest: error: ") and "not empty" in err
    assert out == ""
    assert files_under(site) == {"notes.txt"}


def test_init_refuses_a_file(tmp_path: Path) -> None:
    path = tmp_path / "site"
    path.write_text("mine")
    code, _, err = run("init", path)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("digest: error: ") and "not a folder" in err
    assert path.read_text() == "mine" and files_under(tmp_path) == {"site"}

    code, _, err = run("init", path / "inside")
    assert code == 2 and err.count("\n") == 1 and "is a file" in err
    assert files_under(tmp_path) == {"site"}


def test_init_accepts_an_empty_folder(tmp_path: Path) -> None:
    code, _, err = run("init", tmp_path)
    assert code == 0, err
    assert files_under(tmp_path) == EXPECTED


def test_the_commented_mail_example_is_valid_when_uncommented(tmp_path: Path) -> None:
    """The scaffold's site.yml shows the mail: section commented out; uncommented, it must load."""
    import re

    from generator.site import load_config

    run("init", tmp_path / "s")
    site_yml = tmp_path / "s" / "content" / "site.yml"
    site_yml.write_text(re.sub(r"^# (mail:|  \w+:)", r"\1", site_yml.read_text(), flags=re.M))
    mail = load_config(site_yml.parent).mail
    assert (mail.smtp_host, mail.port, mail.tls) == ("smtp.example.org", 587, "starttls")
    assert mail.to == ["reading-group@example.org"] and mail.unsubscribe.startswith("mailto:")
