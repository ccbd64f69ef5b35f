"""openai's own ``tests/test_client.py`` run against ``openai.OpenAI`` and against our clients.

``fetch.py`` obtains the test files from the installed openai version's sdist (cached, never
checked in), ``runner.py`` runs them in a subprocess pytest twice, and ``differences.py`` lists
every test that passes on openai's clients and fails on ours, by cause. ``test_openai_suite.py``
holds the two runs to that list, both ways.
"""
