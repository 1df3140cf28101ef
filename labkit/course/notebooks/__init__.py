"""One module per notebook: its lab, its sections (and how a reset reaches each), and its checks."""
