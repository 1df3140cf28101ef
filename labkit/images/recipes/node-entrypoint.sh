#!/bin/sh
# Entry point of labkit's offline node image (the official docker:dind image has its own).
# Prepares the container so a nested dockerd can run, then execs the command.
set -e

if [ "$1" = "dockerd" ]; then
	# A node that was stopped and started again keeps its filesystem: stale pid
	# files would make dockerd and containerd refuse to start.
	rm -f /var/run/docker.pid /var/run/docker/containerd/containerd.pid /run/docker.pid

	# cgroup v2 hosts (Docker Desktop, modern Linux): move our processes into a
	# child group so the nested engine may enable controllers (as moby's hack/dind does).
	if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
		mkdir -p /sys/fs/cgroup/init
		for i in 1 2 3 4 5; do
			xargs -rn1 < /sys/fs/cgroup/cgroup.procs > /sys/fs/cgroup/init/cgroup.procs 2>/dev/null || :
			if sed -e 's/ / +/g' -e 's/^/+/' < /sys/fs/cgroup/cgroup.controllers \
				> /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null; then
				break
			fi
			sleep 0.2
		done
	fi

	# Without --privileged, /proc/sys is read-only and the nested engine cannot
	# configure the bridges of overlay networks ("failed to disable IPv6 on br0").
	mount -o remount,rw /proc/sys 2>/dev/null || :

	# Nested mounts (overlay2, volumes) must propagate inside the node.
	mount --make-rshared / 2>/dev/null || :
fi

exec "$@"
