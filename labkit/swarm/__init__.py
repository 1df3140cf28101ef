"""Layer 3, the swarm: a lab's state and everything that makes, reads and changes its swarm.

context     LabState, the one lab-state object every step receives (kind's ActionContext), and its LabPhase
state       frozen snapshots of nodes, services and tasks, parsed from Engine API payloads
answers     the one-exec read of a manager's Engine API, and what its answer means
decide      pure decisions: node faults, which manager to ask, leader and quorum
snapshot    read a snapshot (the I/O around `decide`)
node        one node: its shell and the faults a learner can inject
formation   docker swarm init and the joins
steps       the start pipeline, a list of small named steps
runner      runs a start's steps: numbered, timed, and on failure what the start made is removed
membership  adding and removing nodes later
health      is a lab whole, half-built or missing nodes (from its labels)
capabilities, http   what the host's kernel allows; HTTP from inside the lab network
"""
