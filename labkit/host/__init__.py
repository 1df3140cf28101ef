"""Layer 1, the host: the only code that talks to the host's Docker engine (docker-py).

    engine      connect to the engine, or install and start one on a Debian machine
    api_errors  what the engine's error texts mean (read in one place)
    exec        run a command in a container and stream its output
    inventory   find labkit's objects by label
    networks    a lab's bridge network: claim the name, pick a free subnet
    containers  create node containers and do faults to them
    probe       measure once per engine whether --privileged is allowed
    registry    the shared lab registry container
    registry_release  its delayed release after the last lab, run as a detached process
    teardown    remove objects by label, in parallel
    volume_reaper  a removed lab's node volumes, deleted by a detached process
    cgroups     remove the empty cgroups restricted nodes leave
    image_transfer  images and a volume's files as streams: docker save/load, a volume read or filled

It knows nothing of Swarm: it creates, changes and removes labelled containers.
"""
