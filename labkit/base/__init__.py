"""Layer 0: what every other layer shares and nothing Docker-specific.

    errors   the LabkitError tree: every error labkit raises on purpose, each with its fix
    facts    names, labels and messages: one named place for each
    faults   the node faults' table (kill, stop, pause, ...): everything that names a fault derives from it
    poll     the one wait loop labkit has
    quoting  composing shell commands safely

Imports go downward only: base ← host ← images ← swarm ← front ends (front, widgets, course).
"""
