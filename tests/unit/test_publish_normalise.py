"""The recorder's normaliser (labkit/publish/normalise.py): one real value, one placeholder, within a notebook."""

from __future__ import annotations

import nbformat

from labkit.publish.normalise import Normaliser, normalise_outputs

NODE_LS = (
    "ID                            HOSTNAME   STATUS    AVAILABILITY   MANAGER STATUS\n"
    "k3x9w2ml0p8q7r6s5t4u3v2w1 *   manager1   Ready     Active         Leader\n"
    "zz0yy9xx8ww7vv6uu5tt4ss3r     worker1    Ready     Active\n"
)


def test_the_same_id_gets_the_same_placeholder_and_different_ids_different_ones():
    n = Normaliser()
    first = n.text(NODE_LS)
    assert "k3x9w2ml0p8q7r6s5t4u3v2w1" not in first and "zz0yy9xx8ww7vv6uu5tt4ss3r" not in first
    assert n.text(NODE_LS) == first  # again: the same placeholders
    one, two = (line.split()[0] for line in first.splitlines()[1:])
    assert one != two


def test_a_placeholder_keeps_the_length_so_docker_tables_keep_their_columns():
    out = Normaliser().text(NODE_LS)
    assert [len(line) for line in out.splitlines()] == [len(line) for line in NODE_LS.splitlines()]
    assert out.splitlines()[1].index("manager1") == NODE_LS.splitlines()[1].index("manager1")


def test_the_short_form_of_an_id_maps_to_the_start_of_its_placeholder():
    n = Normaliser()
    full = n.text("task abcdefghij0123456789klmno")
    short = n.text("ID           NAME\nabcdefghij01 web.1")
    assert short.splitlines()[1].split()[0] == full.split()[1][:12]


def test_a_short_id_seen_alone_is_replaced_but_twelve_letter_words_are_not():
    n = Normaliser()
    out = n.text("x7k2p9q1r3s5   distribution   abcdef012345")
    words = out.split()
    assert words[1] == "distribution"
    assert words[0] != "x7k2p9q1r3s5" and words[2] != "abcdef012345" and words[0] != words[2]
    assert n.text("abcdef012345") == words[2]
    progress = n.text("overall progress: 3 out of 3 tasks\nbkztlidldjwc: running   [=====>]\nsuccessfully done")
    assert "bkztlidldjwc" not in progress and progress.endswith("successfully done")


def test_timestamps_and_clock_times_map_consistently_and_keep_their_shape():
    n = Normaliser()
    out = n.text("created 2026-12-06T23:19:15.123456789Z, seen at 23:19:15 and 23:19:16, again 23:19:15")
    assert "2026" not in out and "23:19" not in out
    assert "2000-01-01T00:00:01.000000000Z" in out
    clocks = out.split("seen at ")[1].replace(",", "").split()
    assert clocks[0] == clocks[-1] and clocks[0] != clocks[2]


def test_relative_ages_and_interface_indexes_lose_their_number_only():
    assert Normaliser().text("Running 12 seconds ago") == "Running NN seconds ago"
    assert Normaliser().text("eth0@if7736      UP") == "eth0@ifNNNN      UP"
    assert Normaliser().text("Up 20 seconds   80/tcp") == "Up NN seconds   80/tcp"
    assert Normaliser().text("Heartbeat Period: 1 second") == "Heartbeat Period: 1 second"


def test_addresses_of_one_network_stay_together_and_fixed_addresses_stay():
    out = Normaliser().text("10.0.1.5 10.0.1.6 172.31.0.4/24 0.0.0.0 127.0.0.1 255.255.255.0 version 1.2.3.4.5")
    a, b, c, *rest = out.split()
    assert a.rsplit(".", 1)[0] == b.rsplit(".", 1)[0] != c.split("/")[0].rsplit(".", 1)[0]
    assert (a.rsplit(".", 1)[1], b.rsplit(".", 1)[1], c.endswith(".4/24")) == ("5", "6", True)
    assert "10.0.1" not in out and "172.31" not in out
    assert rest == ["0.0.0.0", "127.0.0.1", "255.255.255.0", "version", "1.2.3.4.5"]


def test_join_tokens_are_replaced_whole():
    token = "SWMTKN-1-3pu6hszjas19xyp7ghgosyx9k8atbfcr8p2is99znpy26u2lkl-1awxwuwd3z9j1z3puu7rcgdbx"
    n = Normaliser()
    out = n.text(f"docker swarm join --token {token} 192.0.2.1:2377")
    assert token not in out and out.startswith("docker swarm join --token SWMTKN-1-")
    assert n.text(token) == out.split()[4]


def test_a_notebook_is_normalised_with_one_mapping_across_cells_and_sources_stay():
    nb = nbformat.v4.new_notebook()
    ident = "k3x9w2ml0p8q7r6s5t4u3v2w1"
    for text in (f"node {ident}", f"again {ident}"):
        cell = nbformat.v4.new_code_cell(f"print('{ident}')")
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
        nb.cells.append(cell)
    html = nbformat.v4.new_output("display_data", data={"text/html": f"<b>{ident}</b>", "text/plain": ident})
    nb.cells[1].outputs.append(html)
    normalise_outputs(nb)
    placeholder = nb.cells[0].outputs[0]["text"].split()[1]
    assert placeholder != ident
    assert nb.cells[1].outputs[0]["text"] == f"again {placeholder}"
    assert nb.cells[1].outputs[1]["data"]["text/html"] == f"<b>{placeholder}</b>"
    assert all(ident in cell.source for cell in nb.cells)
    nbformat.validate(nb)
