# STAND-IN for testcontainers/ryuk (tests only): labkit's offline node image (it has the docker CLI and perl) running
# ryuk-standin.pl, which speaks Ryuk's protocol. Our machines cannot pull the real image; tests/integration/
# test_testing_ryuk.py builds this under Ryuk's exact name and tag, and removes it afterwards.
FROM labkit/node:latest
COPY ryuk-standin.pl /usr/local/bin/ryuk-standin.pl
ENTRYPOINT ["perl", "/usr/local/bin/ryuk-standin.pl"]
LABEL labkit.standin=true
