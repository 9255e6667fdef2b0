"""What the command line says: Chinese help and usage errors (no English from typer/click),
exit codes, Ctrl+C/SIGTERM, and problem lists that stay readable (summarised when one mistake
repeats; one line a problem when piped)."""

from __future__ import annotations

import csv
import io
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import polars as pl
import pytest
import typer.main
import typer.rich_utils
from rich.console import Console

from kaohe import cli

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "raw" / "2022"

# English that typer/click would show; none of it may reach the user.
ENGLISH = [
    "Usage",
    "Error",
    "Missing",
    "Options",
    "Arguments",
    "Commands",
    "Try ",
    "No such",
    "Did you mean",
    "Possible options",
    "Show this message",
    "Invalid value",
    "unexpected extra",
    "requires an argument",
    "does not take",
    "required]",
    "default:",
    "Aborted",
    "Input should be",
    "<path>",
    "<int>",
    "<str>",
    "<bool>",
    "Traceback",
]


def assert_no_english(text: str) -> None:
    found = [w for w in ENGLISH if w.lower() in text.lower()]
    assert not found, (found, text)


def run_main(
    args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str, str]:
    """`kaohe ARGS` in this process: (exit code, stdout, stderr)."""
    monkeypatch.setattr(sys, "argv", ["kaohe", *args])
    handlers = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        with pytest.raises(SystemExit) as exited:
            cli.main()
    finally:
        for s, h in handlers.items():
            signal.signal(s, h)
    captured = capsys.readouterr()
    code = exited.value.code
    return (code if isinstance(code, int) else 1), captured.out, captured.err


def kaohe(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kaohe", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
    )


def write_ledger(folder: Path, sheets: dict[str, list[dict[str, str]]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in sheets.items():
        with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
    return folder


def item(i: str, unit: str = "人才综合处", day: str = "2022-03-01") -> dict[str, str]:
    return {
        "信息编号": i,
        "标题": f"标题{i}",
        "报送单位": unit,
        "报送日期": day,
        "信息类别": "综合",
        "约稿编号": "",
    }


ADOPTION = {
    "信息编号": "S0",
    "录用单位": "市委办公室",
    "刊物": "《工作交流》",
    "录用日期": "2022-04-01",
    "录用方式": "",
    "采纳数": "",
    "领导批示": "",
}

# A long unit name with rich markup and HTML in it: shown literally, whole, on one line.
ODD_UNIT = "[bold]不存在的处[/bold]<script>alert(1)</script>" + "很长的单位名称" * 20


@pytest.fixture(scope="module")
def systematic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """40 items with the same wrong date format, and one unknown unit."""
    items = [item("S0")]
    items += [item(f"S{i}", day=f"{i % 28 + 1:02d}.03.2022") for i in range(1, 41)]
    items.append(item("S41", unit=ODD_UNIT))
    folder = tmp_path_factory.mktemp("systematic") / "台账"
    return write_ledger(folder, {"报送": items, "录用": [ADOPTION]})


# ---- help screens ------------------------------------------------------------------------------

COMMANDS = sorted(typer.main.get_command(cli.app).commands)  # type: ignore[attr-defined]


@pytest.mark.parametrize("args", [["-h"], ["--help"], *([c, "-h"] for c in COMMANDS)])
def test_help_screens_are_chinese(
    args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = run_main(args, capsys, monkeypatch)
    assert code == 0 and err == ""
    assert "用法：kaohe" in out and "[选项]" in out
    assert "显示本说明并退出。" in out and "-h" in out
    assert "选项" in out
    assert_no_english(out)


def test_help_of_a_command_names_arguments_types_defaults_and_required(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, out, _ = run_main(["score", "-h"], capsys, monkeypatch)
    assert "用法：kaohe score [选项] 台账" in out
    assert "参数" in out and "<路径>" in out and "[必填]" in out
    _, out, _ = run_main(["sample", "-h"], capsys, monkeypatch)
    assert "<整数>" in out and "[默认：2022]" in out
    _, out, _ = run_main(["simulate", "-h"], capsys, monkeypatch)
    assert "情景文件" in out and "[默认：--html]" in out
    _, out, _ = run_main(["-h"], capsys, monkeypatch)
    assert "命令" in out and "用法：kaohe [选项] 命令 [参数]..." in out
    assert all(name in out for name in COMMANDS)


def test_no_arguments_show_the_help_without_an_error_message(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = run_main([], capsys, monkeypatch)
    assert code == 2
    assert "用法：kaohe" in out and err == ""
    assert_no_english(out)


# ---- usage errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (
            ["score"],
            ["缺少参数“台账”（.xlsx 工作簿或 CSV 文件夹）", "用法：kaohe score [选项] 台账"],
        ),
        (["score", "台账"], ["缺少选项 --out（输出文件夹）", "用 kaohe score -h 查看"]),
        (["scor"], ["没有命令“scor”。你是不是要输入 kaohe score ？"]),
        (["计分"], ["没有命令“计分”。可用的命令：score、validate、explain"]),
        (
            ["validate", "台账", "--rule", "r.yaml"],
            ["没有选项 --rule", "你是不是要输入 --rules ？"],
        ),
        (["validate", "台账", "--frobnicate"], ["没有选项 --frobnicate", "可用的选项：--rules"]),
        (["-x"], ["没有选项 -x（kaohe 不认识它）"]),
        (["sample", "--seed", "abc", "--out", "o"], ["选项 --seed 的值“abc”不是整数"]),
        (["report", "--year", "二〇二二"], ["选项 --year 的值“二〇二二”不是整数"]),
        (["validate", "我的", "台账", "2022"], ["多出了参数 “台账”、“2022”", "加引号"]),
        (["score", "台账", "--out"], ["选项 --out（输出文件夹）后面缺少值"]),
        (["report", "--all=yes"], ["选项 --all 是开关，后面不带值"]),
        (["--"], ["缺少命令", "score、validate"]),
    ],
)
def test_usage_errors_are_chinese_with_the_usage_line(
    args: list[str],
    needles: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, out, err = run_main(args, capsys, monkeypatch)
    assert code == 2
    assert out == ""
    assert err.startswith("命令用法有误：")
    for needle in needles:
        assert needle in err, (needle, err)
    assert "用法：kaohe" in err
    assert "内部错误" not in err
    assert "？。" not in err and "。。" not in err
    assert_no_english(err)


def test_a_usage_error_in_a_real_process() -> None:
    r = kaohe("sampel", "--seed", "1")
    assert r.returncode == 2
    assert "没有命令“sampel”。你是不是要输入 kaohe sample ？" in r.stderr
    assert_no_english(r.stderr + r.stdout)


# ---- exit codes ----------------------------------------------------------------------------------


def test_a_bad_rules_file_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "规则.yaml"
    bad.write_text("meta:\n  year: 2022\n", encoding="utf-8")
    code, _, err = run_main(["validate", str(SAMPLE), "--rules", str(bad)], capsys, monkeypatch)
    assert code == 1
    assert f"规则文件 {bad} 有误" in err and "meta.title: 缺少此项，请补上" in err


def test_a_bad_scenario_file_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "情景.yaml"
    bad.write_text("name: 试一试\n", encoding="utf-8")
    code, _, err = run_main(["simulate", str(bad)], capsys, monkeypatch)
    assert code == 1
    assert f"情景文件 {bad} 缺少" in err and "changes" in err


def test_an_unreadable_ledger_exits_1_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    book = tmp_path / "台账.xlsx"
    book.write_text("这不是工作簿", encoding="utf-8")
    code, _, err = run_main(["validate", str(book)], capsys, monkeypatch)
    assert code == 1
    assert f"台账 {book} 有 1 处错误" in err and "不是 Excel 工作簿：文件内容是文本" in err


# ---- a systematic error is summarised --------------------------------------------------------------

DATE_REASON = "日期无法识别"


def lines_with(text: str, needle: str) -> list[str]:
    return [line for line in text.splitlines() if needle in line]


def test_score_summarises_a_repeated_problem_and_problems_csv_keeps_every_row(
    systematic: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    r = kaohe("score", str(systematic), "--out", str(out))
    assert r.returncode == 1
    err = r.stderr
    assert f"台账 {systematic} 有 41 处错误，未计分：" in err
    # the date group: its first 5 rows with their values, then the count of the rest
    examples = [line for line in lines_with(err, DATE_REASON) if line.startswith("错误")]
    assert len(examples) == 5
    assert examples[0].split("\t")[:5] == ["错误", "报送", "3", "报送日期", "02.03.2022"]
    assert "同一问题还有 35 处未列出（共 40 处）" in err
    assert "另有 35 处未列出" in err and f"kaohe validate {systematic} --all" in err
    # the other problem is listed too
    assert len(lines_with(err, ODD_UNIT)) == 1
    problems = pl.read_csv(out / "problems.csv", infer_schema=False)
    assert problems.filter(pl.col("reason").str.contains(DATE_REASON)).height == 40
    assert problems.height == 41


def test_validate_summarises_and_all_lists_every_row(
    systematic: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = run_main(["validate", str(systematic)], capsys, monkeypatch)
    assert code == 1
    assert len([x for x in lines_with(out, DATE_REASON) if x.startswith("错误")]) == 5
    assert "同一问题还有 35 处未列出（共 40 处）" in out
    assert "加 --all 逐一列出全部 41 处" in out
    code, out, _ = run_main(["validate", str(systematic), "--all"], capsys, monkeypatch)
    assert code == 1
    assert len(lines_with(out, DATE_REASON)) == 40
    assert "未列出" not in out


def test_many_kinds_of_problems_are_capped_too() -> None:
    problems = pl.DataFrame(
        {
            "severity": ["error"] * 200,
            "sheet": ["报送"] * 200,
            "row": list(range(2, 202)),
            "column": ["报送单位"] * 200,
            "value": [f"处{i}" for i in range(200)],
            "reason": [f"未知的单位 {i % 50}" for i in range(200)],  # 50 groups of 4
            "suggestion": [None] * 200,
        }
    )
    shown = cli.select_problems(problems)
    assert shown.height == cli.MAX_GROUPS * 4
    assert shown["_more"].sum() == 0
    assert cli.select_problems(problems, show_all=True).height == 200


# ---- off a terminal: one line a problem, nothing wrapped -----------------------------------------


def test_piped_validate_keeps_each_problem_on_one_line_with_its_value(systematic: Path) -> None:
    r = kaohe("validate", str(systematic))  # stdout is a pipe here, not a terminal
    assert r.returncode == 1
    [line] = lines_with(r.stdout, "不存在的处")
    assert line.split("\t") == [
        "错误",
        "报送",
        "43",
        "报送单位",
        ODD_UNIT,
        "未知的单位",
        line.split("\t")[6],
    ]
    assert line.split("\t")[6].startswith("最接近的名称")
    assert r.stdout.splitlines()[1] == "级别\t工作表\t行\t列\t值\t问题\t建议"


def test_a_long_message_is_not_wrapped_when_piped(tmp_path: Path) -> None:
    out = tmp_path.joinpath(*[f"很长的文件夹名{i}" * 5 for i in range(4)], "模拟.xlsx")
    r = kaohe("sample", "--seed", "5", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert len(r.stdout.splitlines()) == 1
    assert str(out) in r.stdout


def test_a_terminal_table_shows_user_data_literally_and_the_count() -> None:
    problems = pl.DataFrame(
        {
            "severity": ["error"] * 7,
            "sheet": ["报送"] * 7,
            "row": list(range(2, 9)),
            "column": ["报送单位"] * 7,
            "value": ["[bold]甲[/bold]<script>"] * 7,
            "reason": ["未知的单位"] * 7,
            "suggestion": ["[red]改正[/red]"] * 7,
        }
    )
    screen = io.StringIO()
    console = Console(file=screen, width=160, force_terminal=True, color_system=None)
    left_out = cli.print_problems(console, problems, "台账 [x] 有 7 处错误")
    text = screen.getvalue()
    assert left_out == 2
    assert "台账 [x] 有 7 处错误" in text
    assert text.count("[bold]甲[/bold]<script>") == 5
    assert "[red]改正[/red]" in text
    assert "同一问题还有 2 处未列出（共 7 处）" in text
    assert "┃ 级别" in text  # a table on a terminal


# ---- Ctrl+C and SIGTERM ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def big_ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A valid ledger of 300,000 items: scoring it takes a few seconds."""
    from kaohe.rules.models import load_rules
    from kaohe.sample import generate_bulk, write_sample

    out = tmp_path_factory.mktemp("big") / "ledger"
    write_sample(generate_bulk(load_rules(), 300_000, 1), out, "csv")
    return out


def _handles_sigterm(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status")
    if not status.exists():  # not Linux: give the program time to start instead
        time.sleep(2)
        return True
    for line in status.read_text().splitlines():
        if line.startswith("SigCgt:"):
            return bool(int(line.split()[1], 16) >> (signal.SIGTERM - 1) & 1)
    return False


@pytest.mark.parametrize(
    ("sig", "code", "message"),
    [
        (signal.SIGINT, 130, "已中止（Ctrl+C）。"),
        (signal.SIGTERM, 143, "已中止：收到终止信号（SIGTERM）。"),
    ],
)
def test_an_interrupted_command_says_so_and_exits_128_plus_the_signal(
    sig: signal.Signals, code: int, message: str, big_ledger: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    p = subprocess.Popen(
        [sys.executable, "-m", "kaohe", "score", str(big_ledger), "--out", str(out)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    try:
        deadline = time.monotonic() + 60
        while not _handles_sigterm(p.pid) and time.monotonic() < deadline:
            time.sleep(0.01)
        # the command says which rules file it chose before it reads the ledger: after that
        # line it is inside the command, which is what this test is about (on a slow start a
        # fixed wait could land in start-up; a Ctrl+C there is the test below)
        first = p.stderr.readline() if p.stderr else ""
        time.sleep(0.2)  # reading the ledger
        p.send_signal(sig)
        stdout, rest = p.communicate(timeout=120)
        stderr = first + rest
    finally:
        p.kill()
    assert p.returncode == code, stderr
    # the only other line is the automatic choice of the rules file, said before reading
    *before, last = stderr.strip().splitlines()
    assert last == message
    assert all(line.startswith("按台账日期选用规则文件") for line in before)
    assert stdout == ""
    assert not (out / "unit_scores.csv").exists()


def test_one_ctrl_c_reported_twice_still_exits_130(monkeypatch: pytest.MonkeyPatch) -> None:
    """polars reports a Ctrl+C from the query it cancels and Python's handler reports the same
    signal again at the next line: a second KeyboardInterrupt while the signals are being set
    to be ignored is the same Ctrl+C, not a crash (the process used to end as -SIGINT)."""
    real = signal.signal
    calls: list[int] = []

    def once_interrupted(sig: int, handler: object) -> object:
        calls.append(sig)
        if len(calls) == 1:
            raise KeyboardInterrupt
        return real(sig, handler)  # type: ignore[arg-type]

    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    monkeypatch.setattr(cli.signal, "signal", once_interrupted)
    try:
        try:
            cli._interrupted(KeyboardInterrupt())
        except KeyboardInterrupt:
            pytest.fail("the repeated KeyboardInterrupt escaped")
        except SystemExit as exit_:
            assert exit_.code == 130
        else:
            pytest.fail("no exit")
        assert signal.getsignal(signal.SIGINT) == signal.SIG_IGN
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_IGN
    finally:
        for s, h in before.items():
            real(s, h)


def test_a_ctrl_c_inside_an_eval_still_exits_130(tmp_path: Path) -> None:
    """A Ctrl+C that arrives while code run by eval() is running (typer evaluates the command's
    annotations at start-up) is caught like any other, and the process exits 130, not killed by
    SIGINT at exit (CPython marks such an interrupt as unhandled until an eval clears it).

    Run as `python -m`, like `kaohe` itself: that is the way in which the interpreter looks at
    the mark when it exits."""
    (tmp_path / "interrupted_in_eval.py").write_text(
        textwrap.dedent(
            """
            import sys
            from kaohe import cli

            def interrupt():
                raise KeyboardInterrupt

            def interrupted_in_eval(*args, **kwargs):
                eval("interrupt()", {"interrupt": interrupt})

            cli.app = interrupted_in_eval
            sys.argv = ["kaohe", "score"]
            cli.main()
            """
        ),
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "interrupted_in_eval"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 130, (done.returncode, done.stderr)
    assert done.stderr.strip() == "已中止（Ctrl+C）。"


def test_the_help_texts_are_set_in_typer() -> None:
    # kaohe.cli sets them at import; a typer upgrade that renames one fails here
    assert typer.rich_utils.OPTIONS_PANEL_TITLE == "选项"
    assert typer.rich_utils.REQUIRED_LONG_STRING == "[必填]"
    assert re.search(r"\[默认：\{\}\]", typer.rich_utils.DEFAULT_STRING)
