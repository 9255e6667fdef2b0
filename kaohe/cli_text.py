"""The command-line framework (typer, with its own copy of click) in Chinese.

Typer and click write their help screens and usage errors in English. Nothing of that reaches
the user of `kaohe`:

- the help screens: the panel titles and markers of typer's rich help are module constants of
  `typer.rich_utils` (`localize_help`); the usage line, the `-h/--help` option, the argument
  names and the value types come from the command and parameter classes below;
- the usage errors: the parser raises click's exception classes, each carrying the parameter,
  option or command concerned; `usage_message` writes the Chinese message from those, never
  from the English text. Two checks click does with a bare English `UsageError` (an unknown
  command, extra arguments) are done here first and raise the classes `NoSuchCommand` and
  `ExtraArguments`.

Written for typer 0.29 (which vendors click as `typer._click`); `tests/test_cli_messages.py`
runs every case, so an upgrade that moves any of this fails there, not in front of a user.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from typing import Any

import typer
import typer.rich_utils
from typer._click import exceptions as click_errors
from typer._click.core import Context, HelpFormatter, Parameter
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

HELP_OPTION_NAMES = ["-h", "--help"]
HELP_OPTION_TEXT = "显示本说明并退出。"
OPTIONS_METAVAR = "[选项]"
SUBCOMMAND_METAVAR = "命令 [参数]..."
USAGE_PREFIX = "用法："

# typer.rich_utils constant -> its Chinese text (the help screen's panels and markers)
RICH_TEXTS = {
    "ARGUMENTS_PANEL_TITLE": "参数",
    "OPTIONS_PANEL_TITLE": "选项",
    "COMMANDS_PANEL_TITLE": "命令",
    "ERRORS_PANEL_TITLE": "错误",
    "DEFAULT_STRING": "[默认：{}]",
    "REQUIRED_LONG_STRING": "[必填]",
    "ENVVAR_STRING": "[环境变量：{}]",
    "DEPRECATED_STRING": "（已停用）",
    "ABORTED_TEXT": "已中止。",
    "RICH_HELP": "用 [blue]{command_path} {help_option}[/] 查看说明。",
}

# the value types of the help screen and of "the value is not a ..." (typer's labels)
TYPE_NAMES = {
    "int": "整数",
    "float": "数",
    "str": "文字",
    "path": "路径",
    "file": "文件",
    "dir": "文件夹",
    "bool": "是/否",
    "datetime": "日期时间",
    "date": "日期",
    "uuid": "UUID",
}


def localize_help() -> None:
    """Put the Chinese texts in typer's rich help (titles of the panels, [默认：…], [必填])."""
    for name, text in RICH_TEXTS.items():
        if not hasattr(typer.rich_utils, name):  # pragma: no cover - a typer upgrade
            raise RuntimeError(
                f"typer.rich_utils 没有 {name}：请按新版 typer 修改 kaohe/cli_text.py"
            )
        setattr(typer.rich_utils, name, text)


# ---- parameters -------------------------------------------------------------------------------


def type_name(param: Parameter) -> str:
    """The Chinese name of a parameter's value type: 整数, 路径, 文字 …"""
    assert isinstance(param, (TyperArgument, TyperOption))
    label = param.display_type(None).strip("<>")  # type: ignore[arg-type]  # ctx: choices only
    if label.startswith("list[") and label.endswith("]"):
        return f"一个或多个{TYPE_NAMES.get(label[5:-1], '值')}"
    if "|" in label:  # a choice: its values are the user's words
        return f"{'、'.join(label.split('|'))} 之一"
    return TYPE_NAMES.get(label, "值")


def _help_name(help_text: str | None, fallback: str) -> str:
    """An argument's Chinese name: its help text up to the first ：，（ (`台账：.xlsx …` -> 台账)."""
    head = re.split(r"[：:，,（(；;\s]", (help_text or "").strip(), maxsplit=1)[0]
    return head or fallback


class ChineseArgument(TyperArgument):
    """An argument shown by its Chinese name (from its help text) and Chinese value type."""

    def display_type_rich(self, ctx: Context) -> str | None:
        return f"<{type_name(self)}>"

    def get_usage_pieces(self, ctx: Context) -> list[str]:
        name = self.display_name_raw + ("..." if self.nargs != 1 else "")
        return [name if self.required else f"[{name}]"]


class ChineseOption(TyperOption):
    """An option with a Chinese value type; a switch (--all, --html/--no-html) shows none."""

    def display_type_rich(self, ctx: Context) -> str | None:
        if self.metavar is not None:
            return self.metavar
        if self.is_flag:
            return None
        return f"<{type_name(self)}>"

    def _get_default_string(self, **kwargs: Any) -> str:
        if self.is_bool_flag and self.secondary_opts:  # --html/--no-html: "[默认：--html]"
            return (self.opts if self.default else self.secondary_opts)[0]
        return super()._get_default_string(**kwargs)


def _localize(param: Parameter) -> None:
    # typer builds its parameter objects itself; they become the Chinese subclasses in place
    # (the subclasses add no state, only the display methods above).
    if type(param) is TyperArgument:
        param.__class__ = ChineseArgument
        if param.metavar is None:
            param.metavar = _help_name(param.help, param.name or "")
    elif type(param) is TyperOption:
        param.__class__ = ChineseOption


def describe(param: Parameter) -> str:
    """How a message names a parameter: 参数“台账” or 选项 --out."""
    if isinstance(param, TyperArgument):
        return f"参数“{param.display_name_raw}”"
    return f"选项 {'/'.join(param.opts) or param.name}"


def _join(head: str, tail: str) -> str:
    """`选项 --out` + `后面…` with a space between Latin and Chinese, none after `”` or `）`."""
    return head + (" " if head[-1:].isascii() else "") + tail


def _with_help(param: Parameter) -> str:
    help_text = (getattr(param, "help", None) or "").strip()
    if isinstance(param, TyperArgument) and help_text.startswith(param.display_name_raw):
        # the name came from the help text: 台账：.xlsx 工作簿… -> 参数“台账”（.xlsx 工作簿…）
        help_text = help_text[len(param.display_name_raw) :].strip("：:，,（）() ")
    return f"{describe(param)}（{help_text}）" if help_text else describe(param)


# ---- commands ---------------------------------------------------------------------------------


class NoSuchCommand(click_errors.UsageError):
    def __init__(self, name: str, commands: Sequence[str], ctx: Context) -> None:
        super().__init__(f"没有命令 {name!r}", ctx)
        self.name = name
        self.commands = list(commands)


class ExtraArguments(click_errors.UsageError):
    def __init__(self, args: Sequence[str], ctx: Context) -> None:
        super().__init__(f"多出的参数 {list(args)!r}", ctx)
        self.args = list(args)


class _Chinese:
    """What the group and its commands share: Chinese usage line, help option, parameters."""

    params: list[Parameter]

    def _localize_params(self) -> None:
        for param in self.params:
            _localize(param)

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)  # type: ignore[misc]
        except click_errors.UsageError as err:
            if err.ctx is None:  # the option parser raises without it: the message needs it
                err.ctx, err.cmd = ctx, ctx.command
            raise

    def format_usage(self, ctx: Context, formatter: HelpFormatter) -> None:
        pieces = self.collect_usage_pieces(ctx)  # type: ignore[attr-defined]
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix=USAGE_PREFIX)

    def get_help_option(self, ctx: Context) -> TyperOption | None:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None and option.help != HELP_OPTION_TEXT:
            option.help = HELP_OPTION_TEXT
            _localize(option)
        return option


class ChineseCommand(_Chinese, TyperCommand):
    # Extra arguments are let through click's parser (which would complain in English) and
    # refused here.
    allow_extra_args = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._localize_params()

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        rest = super().parse_args(ctx, args)
        if rest and not ctx.resilient_parsing:
            raise ExtraArguments(rest, ctx)
        return rest


class ChineseGroup(_Chinese, TyperGroup):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._localize_params()

    def resolve_command(
        self, ctx: Context, args: list[str]
    ) -> tuple[str | None, Any | None, list[str]]:
        name = args[0]
        if (
            self.get_command(ctx, name) is None
            and not name.startswith("-")  # an option: the parser names it
            and not ctx.resilient_parsing
        ):
            raise NoSuchCommand(name, self.list_commands(ctx), ctx)
        return super().resolve_command(ctx, args)

    # Typer would turn Ctrl+C into a silent exit 130; an Abort reaches `kaohe.cli.main`, which
    # says so. The interruption stays attached as the cause (SIGINT or SIGTERM).

    def make_context(self, *args: Any, **kwargs: Any) -> Context:
        try:
            return super().make_context(*args, **kwargs)
        except KeyboardInterrupt as err:
            raise typer.Abort() from err

    def invoke(self, ctx: Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt as err:
            raise typer.Abort() from err


class ChineseTyper(typer.Typer):
    """A `typer.Typer` whose group and commands speak Chinese (see the module docstring)."""

    def __init__(self, **kwargs: Any) -> None:
        localize_help()
        kwargs.setdefault("cls", ChineseGroup)
        kwargs.setdefault("options_metavar", OPTIONS_METAVAR)
        kwargs.setdefault("subcommand_metavar", SUBCOMMAND_METAVAR)
        settings = dict(kwargs.pop("context_settings", None) or {})
        settings.setdefault("help_option_names", HELP_OPTION_NAMES)
        super().__init__(context_settings=settings, **kwargs)

    def command(self, name: str | None = None, *, cls: Any = None, **kwargs: Any) -> Any:
        return super().command(name, cls=cls or ChineseCommand, **kwargs)


# ---- usage errors -----------------------------------------------------------------------------

UsageError = click_errors.UsageError
NoArgsIsHelpError = click_errors.NoArgsIsHelpError


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _suggest(word: str, choices: Sequence[str], prefix: str = "") -> str:
    near = difflib.get_close_matches(word, list(choices), n=3, cutoff=0.6)
    if near:
        return f"你是不是要输入 {'、'.join(prefix + n for n in near)} ？"
    return ""


def _option_names(ctx: Context | None) -> list[str]:
    if ctx is None:
        return []
    names: list[str] = []
    for param in ctx.command.get_params(ctx):
        if isinstance(param, TyperOption) and not param.hidden:
            names.extend([*param.opts, *param.secondary_opts])
    return names


def _find_option(ctx: Context | None, name: str) -> TyperOption | None:
    if ctx is None:
        return None
    for param in ctx.command.get_params(ctx):
        if isinstance(param, TyperOption) and name in (*param.opts, *param.secondary_opts):
            return param
    return None


def _bad_value(err: click_errors.BadParameter) -> str:
    param = err.param
    what = describe(param) if param is not None else "参数或选项"
    if _has_chinese(err.message):  # our own check (a callback) already says it in Chinese
        return _join(what, f"的值不对：{err.message}")
    # typer converts values with pydantic, whose error keeps the value given
    cause = err.__cause__
    errors = cause.errors() if hasattr(cause, "errors") else []
    given = f"“{errors[0]['input']}”" if errors and "input" in errors[0] else ""
    if param is None:
        return _join(what, f"的值{given}不对")
    return _join(what, f"的值{given}不是{type_name(param)}")


def usage_message(err: click_errors.UsageError) -> str:
    """The Chinese message for a usage error of the command line (no English from click)."""
    ctx = err.ctx
    path = ctx.command_path if ctx is not None else "kaohe"
    if isinstance(err, click_errors.MissingParameter):
        if err.param is None:
            return "缺少参数"
        return f"缺少{_with_help(err.param)}"
    if isinstance(err, click_errors.BadParameter):
        return _bad_value(err)
    if isinstance(err, NoSuchCommand):
        hint = _suggest(err.name, err.commands, prefix=f"{path} ")
        return f"没有命令“{err.name}”。" + (hint or f"可用的命令：{'、'.join(err.commands)}")
    if isinstance(err, click_errors.NoSuchOption):
        options = _option_names(ctx)
        hint = _suggest(err.option_name, err.possibilities or options)
        listing = f"可用的选项：{'、'.join(options)}" if options else ""
        return f"没有选项 {err.option_name}（{path} 不认识它）。" + (hint or listing)
    if isinstance(err, click_errors.BadOptionUsage):
        option = _find_option(ctx, err.option_name)
        if option is not None and option.is_flag:
            return f"选项 {err.option_name} 是开关，后面不带值（去掉“=”及其后的值）"
        what = _with_help(option) if option is not None else f"选项 {err.option_name}"
        return _join(what, "后面缺少值")
    if isinstance(err, ExtraArguments):
        given = "、".join(f"“{a}”" for a in err.args)
        return f"多出了参数 {given}：{path} 不需要它们（路径中有空格时，请给整个路径加引号）"
    if isinstance(err, click_errors.BadArgumentUsage):
        return "参数的个数不对"
    if ctx is not None and isinstance(ctx.command, TyperGroup):
        names = ctx.command.list_commands(ctx)
        return f"缺少命令：请在 {path} 后写出命令，{'、'.join(names)} 之一"
    return "命令行写得不对，无法解析"


def usage_lines(err: click_errors.UsageError) -> list[str]:
    """The usage line and where the help is, under a usage error."""
    ctx = err.ctx
    if ctx is None:
        return [f"用 kaohe {HELP_OPTION_NAMES[0]} 查看用法。"]
    return [
        ctx.get_usage(),
        f"用 {ctx.command_path} {HELP_OPTION_NAMES[0]} 查看各参数和选项的说明。",
    ]
