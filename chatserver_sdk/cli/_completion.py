"""``chatserver completion bash|zsh``: a completion script generated from the parser itself.

The script holds, for each command path (``""``, ``sessions``, ``sessions list``),
its subcommands, its options, which options take a value, and the choices of
those that have them; one shell function walks the words typed so far and
prints the candidates. Bash and zsh share that function (it is written in the
syntax both accept) and differ only in how they hand the candidates over.
Because it is generated from the same parser that runs the commands, a new
command or option is completed as soon as it exists.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._output import Output
from ._parser import command

__all__ = ["register", "script"]

FILES = "__files__"


def register(commands: Any) -> None:
    completion = command(
        commands,
        "completion",
        summary="print a shell completion script for bash or zsh",
        description="Print a completion script for SHELL. It is generated from the commands themselves,"
        " so regenerate it after an upgrade.",
        run=run_completion,
        examples=[
            "source <(chatserver completion bash)              # in ~/.bashrc",
            "chatserver completion zsh > ~/.zfunc/_chatserver  # fpath+=(~/.zfunc)",
        ],
        client=False,
    )
    completion.add_argument("shell", choices=["bash", "zsh"], help="the shell to complete in")


def run_completion(args: argparse.Namespace, out: Output) -> int:
    from ._app import build_parser

    out.write(script(build_parser(), args.shell))
    return 0


@dataclass
class _Command:
    commands: list[str] = field(default_factory=list)
    options: list[str] = field(default_factory=list)
    valued: dict[str, str] = field(default_factory=dict)  # option -> its choices, or FILES, or ""
    positional: str = ""  # the first positional's choices, or FILES


def _walk(parser: argparse.ArgumentParser, path: str = "") -> Iterator[tuple[str, _Command]]:
    here = _Command()
    children: list[tuple[str, argparse.ArgumentParser]] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                here.commands.append(name)
                children.append((name, sub))
        elif action.option_strings:
            here.options += action.option_strings
            if action.nargs != 0:
                value = (
                    " ".join(map(str, action.choices))
                    if action.choices
                    else (FILES if action.type is Path or action.metavar in ("PATH", "FILE") else "")
                )
                for option in action.option_strings:
                    here.valued[option] = value
        elif not here.positional and action.choices:
            here.positional = " ".join(map(str, action.choices))
        elif not here.positional and action.type is Path:
            here.positional = FILES
    yield path, here
    for name, sub in children:
        yield from _walk(sub, f"{path} {name}".strip())


def _case(arms: list[tuple[str, str]], default: str = "") -> str:
    lines = [f'        "{pattern}") {body} ;;' for pattern, body in arms]
    if default:
        lines.append(f"        *) {default} ;;")
    return "\n".join(lines)


def _shared(parser: argparse.ArgumentParser) -> str:
    tree = list(_walk(parser))
    commands = [(path, f'echo "{" ".join(c.commands)}"') for path, c in tree if c.commands]
    options = [(path, f'echo "{" ".join(c.options)}"') for path, c in tree]
    valued = [(f"{path}|{option}", "return 0") for path, c in tree for option in c.valued]
    choices = [
        (f"{path}|{option}", f'echo "{value}"')
        for path, c in tree
        for option, value in c.valued.items()
        if value
    ]
    files = [(path, f'echo "{c.positional}"') for path, c in tree if c.positional]
    return f"""\
# The candidates for the word being typed ($1), given the words before it ($2...).
_chatserver_candidates() {{
    local cur="$1" cmdpath="" prev="" word skip=0
    shift
    for word in "$@"; do
        if (( skip )); then
            skip=0
        else
            case "$word" in
                --*=*) ;;
                -*) if _chatserver_takes_value "$cmdpath" "$word"; then skip=1; fi ;;
                *)
                    if _chatserver_is_command "$cmdpath" "$word"; then
                        cmdpath="${{cmdpath:+$cmdpath }}$word"
                    fi
                    ;;
            esac
        fi
        prev="$word"
    done
    if (( skip )) && [[ "$cur" != -* ]]; then
        _chatserver_choices "$cmdpath" "$prev"
    elif [[ "$cur" == -* ]]; then
        _chatserver_options "$cmdpath"
    elif [[ -n "$(_chatserver_commands "$cmdpath")" ]]; then
        _chatserver_commands "$cmdpath"
    else
        _chatserver_positional "$cmdpath"
    fi
}}

_chatserver_is_command() {{
    case " $(_chatserver_commands "$1") " in
        *" $2 "*) return 0 ;;
    esac
    return 1
}}

_chatserver_commands() {{
    case "$1" in
{_case(commands)}
    esac
}}

_chatserver_options() {{
    case "$1" in
{_case(options)}
    esac
}}

_chatserver_takes_value() {{
    case "$1|$2" in
{_case(valued)}
    esac
    return 1
}}

_chatserver_choices() {{
    case "$1|$2" in
{_case(choices)}
    esac
}}

_chatserver_positional() {{
    case "$1" in
{_case(files)}
    esac
}}
"""


def script(parser: argparse.ArgumentParser, shell: str) -> str:
    if shell == "bash":
        return f"""\
# bash completion for chatserver, generated by `chatserver completion bash`.
# Load it with: source <(chatserver completion bash)

{_shared(parser)}
_chatserver() {{
    local cur="${{COMP_WORDS[COMP_CWORD]}}" candidates
    candidates="$(_chatserver_candidates "$cur" "${{COMP_WORDS[@]:1:COMP_CWORD-1}}")"
    if [[ "$candidates" == {FILES} ]]; then
        compopt -o filenames 2>/dev/null
        COMPREPLY=( $(compgen -f -- "$cur") )
    else
        COMPREPLY=( $(compgen -W "$candidates" -- "$cur") )
    fi
}}

complete -F _chatserver chatserver
"""
    return f"""\
#compdef chatserver
# zsh completion for chatserver, generated by `chatserver completion zsh`.
# Save it as _chatserver in a directory of $fpath (before compinit runs), or, after
# compinit: source <(chatserver completion zsh)

{_shared(parser)}
_chatserver() {{
    local candidates
    candidates="$(_chatserver_candidates "${{words[CURRENT]}}" "${{(@)words[2,CURRENT-1]}}")"
    if [[ "$candidates" == {FILES} ]]; then
        _files
    else
        compadd -- ${{=candidates}}
    fi
}}

if [[ "${{zsh_eval_context[-1]}}" == loadautofunc ]]; then
    _chatserver "$@"
else
    compdef _chatserver chatserver
fi
"""
