"""Chinese for the usage errors typer (click) raises itself: a missing argument or option,
an unknown option or command, a value of the wrong type, extra words."""

from __future__ import annotations

import re

from typer._click.exceptions import (
    BadOptionUsage,
    BadParameter,
    MissingParameter,
    NoSuchOption,
    UsageError,
)

_DID_YOU_MEAN = re.compile(r"\.?\s*Did you mean (.+)\?$")
_NOT_ONE_OF = re.compile(r"'(.*?)' is not one of (.*?)\.?$")
_EXTRA = re.compile(r"Got unexpected extra argument\(?s?\)? \((.*)\)")
_VALUES = re.compile(r"requires (\d+) arguments")
_QUOTED = re.compile(r"'(.*?)'")
# click says "is not a valid int." (typer 0.28's own copy) or "… integer" (older click).
_NOT_INTEGER = re.compile(r"\bint(eger)?\b")
_CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _param_name(error: BadParameter) -> str:
    param = error.param
    if param is None:
        return str(error.param_hint or "")
    if param.param_type_name == "option":
        return "/".join(param.opts)
    return param.metavar or (param.name or "").upper()


def usage_text(error: UsageError) -> str:
    """The error as one Chinese sentence, ending with where to find the usage."""
    if isinstance(error, MissingParameter):
        kind = (
            "选项"
            if error.param is not None and error.param.param_type_name == "option"
            else "参数"
        )
        text = f"缺少{kind} {_param_name(error)}。"
    elif isinstance(error, NoSuchOption):
        near = f"是不是 {'、'.join(sorted(error.possibilities))}？" if error.possibilities else ""
        text = f"没有选项 {error.option_name}。{near}"
    elif isinstance(error, BadParameter):
        if choice := _NOT_ONE_OF.search(error.message):
            allowed = "、".join(_QUOTED.findall(choice.group(2))) or choice.group(2)
            detail = f"“{choice.group(1)}”不是可选的值，可选：{allowed}"
        elif _NOT_INTEGER.search(error.message):
            detail = "应为整数"
        elif _CHINESE.search(error.message):
            detail = error.message.rstrip("。.")
        else:  # another of the library's English messages: never shown as it is
            detail = "写法不对"
        text = f"{_param_name(error)} 的值无效：{detail}。"
    elif isinstance(error, BadOptionUsage):
        if "does not take a value" in error.message:
            text = f"选项 {error.option_name} 不带值。"
        else:
            count = _VALUES.search(error.message)
            text = (
                f"选项 {error.option_name} 后面缺少{f' {count.group(1)} 个' if count else ''}值。"
            )
    elif match := _EXTRA.search(error.message):
        text = f"多余的参数：{match.group(1)}。"
    else:
        text = _DID_YOU_MEAN.sub(
            lambda m: f"是不是 {m.group(1).replace(', ', '、')}？", error.message
        )
        if not _CHINESE.search(text):
            text = "命令行的写法不对。"
    command = error.ctx.command_path if error.ctx is not None else "qzfsg"
    return f"{text}运行 {command} --help 查看用法。"
