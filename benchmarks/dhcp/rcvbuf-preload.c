/*
 * LD_PRELOAD shim for perfdhcp: gives every UDP socket it opens a receive buffer of RCVBUF_BYTES (default 8 MiB)
 * with SO_RCVBUFFORCE (root). perfdhcp never sets SO_RCVBUF, so it gets net.core.rmem_default (208 KiB here):
 * one socket stands in for 60,000 clients, and while its receive thread is descheduled on a busy 2-core machine a
 * few hundred replies overflow it. The kernel counts those as UdpRcvbufErrors in the CLIENT namespace and perfdhcp
 * reports them as server drops. Real clients each have their own socket. compare.sh builds this with gcc.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/socket.h>

int socket(int domain, int type, int protocol)
{
    static int (*real_socket)(int, int, int);
    if (!real_socket)
        real_socket = (int (*)(int, int, int))dlsym(RTLD_NEXT, "socket");
    int fd = real_socket(domain, type, protocol);
    if (fd >= 0 && (domain == AF_INET || domain == AF_INET6) && (type & 0xf) == SOCK_DGRAM) {
        const char *v = getenv("RCVBUF_BYTES");
        int bytes = v ? atoi(v) : 8 << 20;
        if (bytes > 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof bytes);
    }
    return fd;
}
