"""CI runs exactly the README's set-up, workflow and test commands."""

from conftest import REPO


def test_ci_runs_the_readme_commands():
    readme = (REPO / "README.md").read_text()
    quick_start = readme.split("## Quick start", 1)[1].split("```bash\n", 1)[1].split("```")[0]
    ci_lines = (REPO / ".ci" / "run").read_text().splitlines()
    commands = [line for line in ci_lines if line and not line.startswith(("#", "set ", "cd "))]
    assert commands == quick_start.strip().splitlines()
