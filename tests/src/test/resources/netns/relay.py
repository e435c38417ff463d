#!/usr/bin/python3
"""A userspace IP router between network namespaces, for the host tests.

    relay.py NS:DEV:ADDR [NS:DEV:ADDR ...]

For each argument, creates the TUN device DEV inside the network namespace NS (/run/netns/NS) and brings it up;
the caller gives the namespace its address ADDR and a route through DEV. Every IPv4 packet read from a device is
written to the device of the namespace that holds its destination address (unknown destinations are dropped), after
the one-way delay of its source's link plus that of its destination's, unless either link is cut or the packet is
lost. The kernel here has no netem, so this is where delay comes from.

Commands, one per line on stdin, each answered by one line on stdout ("ok ..." or "error ..."):

    delay NS MS      one-way delay of NS's link, each direction (0: none)
    loss NS PCT      packets dropped at random on NS's link, each direction
    cut NS           drop everything to and from NS (a cable pulled: no error reaches either side)
    restore NS       undo cut
    stats            one JSON line: per namespace packets and bytes in and out, dropped (cut or lost), queued (delayed);
                     packets with no known destination, packets other than IPv4; CPU seconds used

Packets between one pair of namespaces keep their order (one queue per pair). End of stdin or SIGTERM ends the relay,
and the devices go with it.
"""
import ctypes
import fcntl
import heapq
import json
import os
import random
import resource
import select
import signal
import struct
import subprocess
import sys
import time
from collections import deque

CLONE_NEWNET = 0x40000000
TUNSETIFF = 0x400454CA
IFF_TUN, IFF_NO_PI = 0x0001, 0x1000

libc = ctypes.CDLL(None, use_errno=True)


def setns(fd):
    if libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def open_tun(ns, dev):
    """A TUN device named dev inside namespace ns: created from a thread moved into ns, then moved back."""
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    target = os.open("/run/netns/" + ns, os.O_RDONLY)
    try:
        setns(target)
        try:
            fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
            fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", dev.encode(), IFF_TUN | IFF_NO_PI))
        finally:
            setns(home)
    finally:
        os.close(home)
        os.close(target)
    subprocess.run(["ip", "-n", ns, "link", "set", dev, "up"], check=True)
    return fd


class Link:
    def __init__(self, ns, dev, addr, fd):
        self.ns, self.dev, self.addr, self.fd = ns, dev, addr, fd
        self.delay, self.loss, self.cut = 0.0, 0.0, False
        self.packets_in = self.bytes_in = self.packets_out = self.bytes_out = self.dropped = 0


def main():
    links = []
    for spec in sys.argv[1:]:
        ns, dev, addr = spec.split(":")
        links.append(Link(ns, dev, addr, open_tun(ns, dev)))
    by_addr = {socket_addr(l.addr): l for l in links}
    by_fd = {l.fd: l for l in links}
    by_ns = {l.ns: l for l in links}
    queues = {}  # (src, dst) -> deque of (due, packet), due non-decreasing
    timers = []  # heap of (due, src ns, dst ns): when a queue's head may be due
    unknown = ignored = 0
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    stdin = sys.stdin.fileno()
    os.set_blocking(stdin, False)
    pending = b""
    print("ready " + " ".join(f"{l.ns}:{l.dev}" for l in links), flush=True)
    while True:
        now = time.monotonic()
        timeout = max(0.0, timers[0][0] - now) if timers else None
        readable, _, _ = select.select([stdin] + list(by_fd), [], [], timeout)
        for fd in readable:
            if fd == stdin:
                chunk = os.read(stdin, 4096)
                if not chunk:
                    return
                pending += chunk
                while b"\n" in pending:
                    line, pending = pending.split(b"\n", 1)
                    print(command(line.decode().split(), by_ns, queues, unknown, ignored), flush=True)
                continue
            src = by_fd[fd]
            for _ in range(256):
                try:
                    packet = os.read(fd, 65536)
                except BlockingIOError:
                    break
                src.packets_in += 1
                src.bytes_in += len(packet)
                if len(packet) < 20 or packet[0] >> 4 != 4:
                    ignored += 1  # IPv6 router solicitations and the like: the namespaces speak IPv4
                    continue
                dst = by_addr.get(packet[16:20])
                if dst is None:
                    unknown += 1
                    continue
                if src.cut or dst.cut or random.random() * 100 < src.loss or random.random() * 100 < dst.loss:
                    src.dropped += 1
                    continue
                delay = src.delay + dst.delay
                key = (src.ns, dst.ns)
                q = queues.get(key)
                if delay == 0 and not q:
                    send(dst, packet)
                    continue
                if q is None:
                    q = queues[key] = deque()
                due = time.monotonic() + delay
                if q and q[-1][0] > due:
                    due = q[-1][0]  # a shorter delay set meanwhile must not overtake what is queued
                if not q:
                    heapq.heappush(timers, (due, key))
                q.append((due, packet))
        now = time.monotonic()
        while timers and timers[0][0] <= now:
            _, key = heapq.heappop(timers)
            q = queues[key]
            dst = by_ns[key[1]]
            while q and q[0][0] <= now:
                send(dst, q.popleft()[1])
            if q:
                heapq.heappush(timers, (q[0][0], key))


def send(dst, packet):
    try:
        os.write(dst.fd, packet)
        dst.packets_out += 1
        dst.bytes_out += len(packet)
    except (BlockingIOError, OSError):
        dst.dropped += 1


def socket_addr(addr):
    return bytes(int(x) for x in addr.split("."))


def command(words, by_ns, queues, unknown, ignored):
    try:
        if words == ["stats"]:
            usage = resource.getrusage(resource.RUSAGE_SELF)
            return json.dumps({"cpuSeconds": round(usage.ru_utime + usage.ru_stime, 3), "unknownDestination": unknown, "notIpv4": ignored,
                               "links": {l.ns: {"packetsIn": l.packets_in, "bytesIn": l.bytes_in, "packetsOut": l.packets_out,
                                                "bytesOut": l.bytes_out, "dropped": l.dropped, "delayMs": l.delay * 1000,
                                                "lossPercent": l.loss, "cut": l.cut,
                                                "queued": sum(len(q) for k, q in queues.items() if l.ns in k)}
                                         for l in by_ns.values()}})
        if len(words) == 2 and words[0] in ("cut", "restore"):
            by_ns[words[1]].cut = words[0] == "cut"
        elif len(words) == 3 and words[0] == "delay":
            by_ns[words[1]].delay = float(words[2]) / 1000
        elif len(words) == 3 and words[0] == "loss":
            by_ns[words[1]].loss = float(words[2])
        else:
            return "error unknown command: " + " ".join(words)
        return "ok " + " ".join(words)
    except (KeyError, ValueError) as e:
        return "error " + " ".join(words) + ": " + str(e)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
