// SPDX-License-Identifier: Apache-2.0
/*
 * Moves data over a loopback TCP connection whose sender uses a given congestion control, and prints what the
 * socket reports: "<congestion control> <bytes received>". Used by the kernel tests to prove a struct_ops
 * tcp_congestion_ops carries traffic.
 *
 *   tcp_traffic [CC [BYTES [ADDRESS RECEIVER_NETNS SENDER_NETNS]]]
 *
 * With ADDRESS the receiver listens on that IPv4 address instead of loopback, in the network namespace named
 * RECEIVER_NETNS (as `ip netns` names it; "-" for this one), and the sender connects from SENDER_NETNS: the data then
 * crosses a real device pair, such as a veth between two namespaces.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <sched.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

/* The network namespace the program started in: the receiver may leave it before the sender is forked. */
static int home = -1;

/* Moves this process into the network namespace `ip netns` calls NAME; "-" is the one the program started in. */
static int enter(const char *name)
{
	char path[256];
	int fd = home;

	if (strcmp(name, "-")) {
		snprintf(path, sizeof(path), "/var/run/netns/%s", name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0 || setns(fd, CLONE_NEWNET)) {
		perror("tcp_traffic: setns");
		return -1;
	}
	if (fd != home)
		close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cc = argc > 1 ? argv[1] : "reno";
	long total = argc > 2 ? atol(argv[2]) : 8 << 20;
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	const char *sender_netns = argc > 5 ? argv[5] : NULL;

	home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);

	if (argc > 5 && (inet_pton(AF_INET, argv[3], &addr.sin_addr) != 1 || enter(argv[4]))) {
		fprintf(stderr, "tcp_traffic: cannot listen on %s in %s\n", argv[3], argv[4]);
		return 2;
	}
	socklen_t len = sizeof(addr);
	int one = 1;
	int srv = socket(AF_INET, SOCK_STREAM, 0);

	setsockopt(srv, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(srv, (struct sockaddr *)&addr, sizeof(addr)) || listen(srv, 1) ||
	    getsockname(srv, (struct sockaddr *)&addr, &len)) {
		perror("tcp_traffic: listen");
		return 2;
	}
	/* A sender that fails before connecting must not leave the receiver waiting in accept() forever. */
	struct timeval limit = { .tv_sec = 20 };
	setsockopt(srv, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
	pid_t pid = fork();
	if (pid == 0) {
		if (sender_netns && enter(sender_netns))
			_exit(4);
		int c = socket(AF_INET, SOCK_STREAM, 0);
		char buf[65536];
		char got[32] = "";
		socklen_t gl = sizeof(got);

		memset(buf, 'x', sizeof(buf));
		if (setsockopt(c, IPPROTO_TCP, TCP_CONGESTION, cc, strlen(cc))) {
			perror("tcp_traffic: setsockopt(TCP_CONGESTION)");
			_exit(3);
		}
		if (connect(c, (struct sockaddr *)&addr, sizeof(addr))) {
			perror("tcp_traffic: connect");
			_exit(4);
		}
		getsockopt(c, IPPROTO_TCP, TCP_CONGESTION, got, &gl);
		if (strncmp(got, cc, sizeof(got))) {
			fprintf(stderr, "tcp_traffic: the socket uses %s, not %s\n", got, cc);
			_exit(5);
		}
		for (long sent = 0; sent < total;) {
			ssize_t n = write(c, buf, total - sent < (long)sizeof(buf) ? total - sent : (long)sizeof(buf));
			if (n <= 0) {
				perror("tcp_traffic: write");
				_exit(6);
			}
			sent += n;
		}
		close(c);
		_exit(0);
	}
	int s = accept(srv, NULL, NULL);
	if (s < 0) {
		int status;
		waitpid(pid, &status, 0);
		fprintf(stderr, "tcp_traffic: no connection (sender exit status %d)\n",
			WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return 9;
	}
	char buf[65536];
	long received = 0;
	ssize_t n;

	while ((n = read(s, buf, sizeof(buf))) > 0)
		received += n;
	int status;
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return 7;
	printf("%s %ld\n", cc, received);
	return received == total ? 0 : 8;
}
