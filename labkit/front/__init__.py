"""Layer 4, the front ends: how people use labkit.

    lab       `labkit.Lab`, the Python facade over a LabState
    progress  what a lab prints while it works (main thread only)
    tables    plain-text tables for the terminal
    status    `labkit status`: every lab's health, or one lab's nodes and tasks
    doctor    `labkit doctor`: what this host can do
    cli       the `labkit` command: errors and warnings as one line each
    cli_args  its commands, options, defaults and examples (argparse only: `labkit --help` loads nothing else)
    commands  what each command does, importing what it needs when it runs
    jupyter   `labkit lab`: JupyterLab on the course, notebooks trusted and unmodified on open
    magics    the `%%node` cell magic

`labkit.widgets` (the live board, traffic panel and timeline) is a front end too.
"""
