"""Where the emulator deliberately does not behave like upstream's ChatServer: the one list.

Each key is the first cell of a row of the table "Where the emulator differs from a ChatServer"
in ``docs/emulator.md`` (``test_differences.py`` checks that the keys and the rows are the same set).
Its value names the scenarios (``module.py::test_name``) that observe the difference: on the
emulator target they are expected to fail (strict ``xfail``), so the day the emulator starts
to match, the run says so and the row must go. A difference no scenario can observe (the
reply text, say: scenarios never pin what the agent answers) names no scenario.

Scenarios are never weakened to fit the emulator: they describe upstream's behaviour, and
this list is the only place that excuses the emulator from one.
"""

from __future__ import annotations

EMULATOR_DIFFERS: dict[str, tuple[str, ...]] = {
    "Replies": (),
    "Audit log": ("test_platform.py::test_admin_changes_write_no_audit_entry",),
    "500 bodies": ("test_server_errors.py::test_client_mistakes_get_a_plain_text_500",),
    "Agent failures on request": (),
    "Agent control": (),
    "API and admin keys": (),
    "Host and Origin checks": (),
    "Listening": (),
    "HTTP framing": (),
    "Body limits and strict JSON": (),
    "Pages past a bigint offset": (
        "test_sessions.py::test_a_page_past_a_bigint_offset",
        "test_platform.py::test_an_audit_offset_past_a_bigint",
    ),
    "UUID columns": (),
    "Turns on one session": (
        "test_turns.py::test_a_second_turn_while_the_first_runs_waits_for_it_and_both_questions_come_first",
        "test_turns.py::test_a_resend_that_differs_from_the_stored_transcript_keeps_the_stored_messages",
    ),
    "A full disk": (),
    "State after a failed request": (),
    "MCP bearer tokens": (),
    "Model list": (),
}
