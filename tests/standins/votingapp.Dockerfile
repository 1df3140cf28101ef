# STAND-INS for the images of dockersamples/example-voting-app's docker-stack.yml (tests only): redis:alpine,
# postgres:15-alpine and dockersamples/examplevotingapp_{vote,result,worker}. Our machines cannot pull them, so
# tests/integration/test_testing_votingapp.py builds this once per image (ROLE and PORT as build arguments) from
# labkit's offline busybox image, loads each into the swarm's nodes under the real image's name, and removes them
# afterwards. A stand-in listens on its image's port (busybox httpd: GET / answers "stand-in for <role>") or, for
# the worker, just runs; it does not speak Redis or PostgreSQL, and does not vote. The stack file itself is used
# as published.
FROM labkit/busybox:latest
ARG ROLE
ARG PORT=0
RUN mkdir -p /www && echo "stand-in for $ROLE" > /www/index.html
ENV ROLE=$ROLE PORT=$PORT
CMD ["sh", "-c", "if [ \"$PORT\" = 0 ]; then exec sleep 2147483647; fi; exec httpd -f -p \"$PORT\" -h /www"]
LABEL labkit.standin=true
