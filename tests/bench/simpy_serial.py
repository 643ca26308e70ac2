#!/usr/bin/python3
"""The serialized workload of `dmsim bench` (run_serial_ns) as a SimPy 2
model (Debian 12's python3-simpy is SimPy 2.3): CLIENTS clients each make
CALLS sync reads, one after another, to one server that serves one request
at a time (a Resource of capacity 1) with an exponential service time of
mean 1 ms. Prints the CPU time and the wall time of the simulation alone
(interpreter start-up, imports and model build excluded) in seconds, and
the simulated end time in ms.

usage: simpy_serial.py [CLIENTS] [CALLS] [SEED]
"""
import random
import sys
import time

from SimPy.Simulation import Process, Resource, activate, hold, initialize, now, release, \
    request, simulate

CLIENTS = int(sys.argv[1]) if len(sys.argv) > 1 else 16
CALLS = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
SEED = int(sys.argv[3]) if len(sys.argv) > 3 else 1
MEAN_MS = 1.0


class Client(Process):
    def run(self, disk, rng, calls):
        for _ in range(calls):
            yield request, self, disk          # wait on the driver's queue
            yield hold, self, rng.expovariate(1.0 / MEAN_MS)
            yield release, self, disk          # complete: the next one starts


def main():
    rng = random.Random(SEED)
    initialize()
    disk = Resource(capacity=1, name="disk")
    for i in range(CLIENTS):
        c = Client(name="c%d" % i)
        activate(c, c.run(disk, rng, CALLS))
    c0, t0 = time.process_time(), time.perf_counter()
    simulate(until=1e18)
    cpu, wall = time.process_time() - c0, time.perf_counter() - t0
    print("%.6f %.6f %.3f" % (cpu, wall, now()))


main()
