"""Layer 4, workshop: one server for a room of learners, on real JupyterHub.

    names     names, labels and places of a room (one source of truth)
    image     the learner's single-user image, built offline
    limits    what one learner may use (memory, CPU) and Docker's size strings
    engine    a learner's own Docker engine (Docker in Docker), its network and volumes
    firewall  the room's own rules: nothing from one learner's network reaches another's
    mirror    the shared read-only registry every learner engine pulls through
    passwords login passwords and their hashes (the plain text goes to the login cards only)
    hubconfig the JupyterHub configuration labkit writes
    tls       the hub's HTTPS beyond loopback: a certificate made for the room, or the instructor's own
    dashboard the instructor's view of every learner's progress (dashboard_service: the hub service showing it)
    proxy     configurable-http-proxy, installed from npm when missing
    room      up, status, reset, down
    cards     the printable login cards
    cli       the `labkit workshop` commands

Only room/cli are imported by the front end; `auth` and `spawner` are loaded by the hub process.
"""
