"""Chinese for the few words typer prints itself (panel titles, usage errors).

typer looks these strings up through `gettext.gettext`, which calls the module-level
`gettext.dgettext` on every lookup; answering there works whenever typer was imported.
Strings not in the table pass through unchanged; nothing else in the process uses gettext.
"""

from __future__ import annotations

import gettext

ZH = {
    "Arguments": "参数",
    "Options": "选项",
    "Commands": "命令",
    "Error": "错误",
    "Aborted!": "已中止。",
    "Aborted.": "已中止。",
    "Missing command.": "缺少命令。",
    "No such command {name!r}.": "没有命令“{name}”。",
    "Try [blue]'{command_path} {help_option}'[/] for help.": (
        "运行 [blue]'{command_path} {help_option}'[/] 查看用法。"
    ),
    "[default: {}]": "[默认：{}]",
    "default: {default}": "默认：{default}",
    "[env var: {}]": "[环境变量：{}]",
    "env var: {var}": "环境变量：{var}",
    "[required]": "[必填]",
    "required": "必填",
}
HELP_OPTION = "显示本帮助并退出。"


def install() -> None:
    english = gettext.dgettext
    gettext.dgettext = lambda domain, message: ZH.get(message) or english(domain, message)
