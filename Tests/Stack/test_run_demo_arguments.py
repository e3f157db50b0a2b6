"""scripts/run's arguments and the demo seeder's command line, without starting anything: both
answer before the first build, request or file. (The seeding itself runs against a stack in
Tests/EndToEnd/test_demo.py.)"""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts", "lib"))
from companin_stack import demo  # noqa: E402

RUN = os.path.join(ROOT, "scripts", "run")
CLI = os.path.join(ROOT, "scripts", "lib", "stack")


def clean_env(**settings):
    env = {name: value for name, value in os.environ.items() if not name.startswith(("COMPANIN_", "STACK_"))}
    env.update(settings)
    return env


def run(*argv):
    return subprocess.run(list(argv), capture_output=True, text=True, env=clean_env(), timeout=60)


def test_scripts_run_help_and_unknown_arguments():
    for flag in ("-h", "--help"):
        shown = run(RUN, flag)
        assert shown.returncode == 0 and "usage: scripts/run [--no-demo]" in shown.stderr, shown
        assert "building" not in shown.stderr
    unknown = run(RUN, "--no-dmeo")
    assert unknown.returncode == 2
    assert "unknown argument '--no-dmeo'" in unknown.stderr and "usage: scripts/run" in unknown.stderr


def test_demo_seed_help_and_defaults(tmp_path):
    shown = run(CLI, str(tmp_path), "demo-seed", "--help")
    assert shown.returncode == 0 and "--key-file" in shown.stdout and "--marker" in shown.stdout
    assert "demo-seed" in run(CLI, "help").stderr
    # With a marker, nothing is read or sent: no key file, nothing listening on the default port.
    (tmp_path / "demo-seeded").write_text("done\n")
    again = run(CLI, str(tmp_path), "demo-seed")
    assert again.returncode == 0 and "already seeded" in again.stdout, again


def test_demo_seed_failures_are_said_and_leave_no_marker(tmp_path):
    missing = run(CLI, str(tmp_path), "demo-seed")
    assert missing.returncode == 1 and "cannot read the API key" in missing.stderr, missing
    (tmp_path / "demo-api-key").write_text("cmp_x\n")
    remote = run(CLI, str(tmp_path), "demo-seed", "--base-url", "http://example.com")
    assert remote.returncode == 1 and "loopback" in remote.stdout + remote.stderr, remote
    assert not (tmp_path / "demo-seeded").exists()


def test_the_demo_data_is_all_there():
    for name, title, content_type in demo.FILES:
        text = demo.read_data(name).decode()
        assert text.strip() and title and content_type in ("text/markdown", "text/plain")
    pairs = demo.qa_pairs()
    assert 6 <= len(pairs) <= 10 and len({pair["question"] for pair in pairs}) == len(pairs)
    assert all(set(pair) <= {"question", "answer", "tags"} for pair in pairs)
    # Every template a conversation names is the assistant's.
    templates = {template["name"] for template in demo.ASSISTANT["task_templates"]}
    assert all(scenario["task"]["name"] in templates for scenario in demo.CONVERSATIONS if "task" in scenario)
