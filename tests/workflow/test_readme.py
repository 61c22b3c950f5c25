"""CI runs exactly the README's set-up, workflow and test commands; the README stays short."""

import re

from conftest import REPO


def test_ci_runs_the_readme_commands():
    readme = (REPO / "README.md").read_text()
    quick_start = readme.split("## Quick start", 1)[1].split("```bash\n", 1)[1].split("```")[0]
    ci_lines = (REPO / ".ci" / "run").read_text().splitlines()
    commands = [line for line in ci_lines if line and not line.startswith(("#", "set ", "cd "))]
    assert commands == quick_start.strip().splitlines()


def test_readme_is_short_and_its_links_exist():
    readme = (REPO / "README.md").read_text()
    assert len(readme.splitlines()) < 200
    targets = re.findall(r"\]\(([^)#]+)\)", readme)
    local = [target for target in targets if not target.startswith("http")]
    assert "docs/_static/headline.png" in local
    for target in local:
        assert (REPO / target).exists(), target
