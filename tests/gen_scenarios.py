#!/usr/bin/python3
"""tests/gen_scenarios.py - random but valid scenario files (docs/scenario.md).

    tests/gen_scenarios.py --seed N --count K --out DIR [--max-bytes B]

Writes DIR/gNNNN.dms, K files, the same files for the same seed on every
machine (Python's random.Random with an explicit seed; nothing else varies).
Every file parses: a file dmsim refuses with exit status 2 is a bug of this
generator. The files cover the language broadly: every built-in driver but
the SCSI disk's (which has its own block below) and .Bad, their options in
random order, driver events, clients with sync, async and immediate calls,
completion routines (then) nested, shared parameter blocks (pb), KillIO,
Close, sleeps, waits, repeats, raw refNums, two machines, .Bugs and .Hostile
misbehaving, HBA controllers with disks, and every kind of expectation.

Most files end with exit status 0 or 1 (an expectation or a rule may fail:
the choices are random). A few (4 in 100) are made to end otherwise on purpose:
a client of their own (cz, at 20ms) sends .Hostile the Control that faults
or hangs, and their first lines say so, as the files of tests/scenarios/ do
(tests/gen.sh reads them with tests/lib.sh):

    # expect-exit: 3                        .Hostile dereferences NULL
    # expect-stderr: dmsim: driver fault:
    # expect-exit: 4                        .Hostile requeues its handler forever
    # expect-stderr: dmsim: watchdog:

With --max-bytes, files longer than B bytes are made again from the next
seed (the fuzzers read at most 4096 bytes of an input).
"""
import argparse
import os
import random
import sys

KINDS = ["null", "fixed", "conc", "ownq", "twice", "bugs", "hostile"]
# .Hostile's csCodes that break rules without ending the process.
HOSTILE_SAFE = [0, 1, 43, 104, 108, 109, 110, 111, 112]
ERRS = ["noErr", "abortErr", "notOpenErr", "controlErr", "statusErr", "readErr", "writErr",
        "ioErr", "badUnitErr", "unitEmptyErr", "dInstErr", "paramErr", "-27", "0"]
RULES = ["complete-twice", "complete-unknown-id", "complete-immediate",
         "complete-at-hw-interrupt", "complete-while-queued", "pb-in-flight-reused",
         "driver-wrote-ioresult", "finalize-with-pending", "iodone-from-concurrent",
         "sync-deadlock", "sync-at-interrupt", "complete-not-owner", "driver-wrote-dce",
         "nesting-too-deep", "slot-not-owned", "slot-double-complete", "response-version",
         "bundle-too-large", "task-unknown-id"]
EVKINDS = ["call", "reject", "enqueue", "dispatch", "complete", "callback", "done",
           "violation", "warning"]
COMMANDS = ["open", "close", "read", "write", "control", "status", "killio", "initialize",
            "finalize", "replace", "superseded"]
FLAGS = ["dOpened", "drvrActive", "dReadEnable", "dWritEnable", "dCtlEnable", "dStatEnable",
         "dRAMBased", "dVMImmune", "dNeedGoodBye", "dNeedTime", "dNeedLock"]
PERMS = ["fsCurPerm", "fsRdPerm", "fsWrPerm", "fsRdWrPerm", "fsRdWrShPerm", "3"]
HBA_BUGS = ["double-complete", "wrong-version", "not-owned", "too-large", "unknown-id"]


def duration(r, lo_us, hi_us):
    """A duration between lo_us and hi_us microseconds, in one of the units."""
    us = r.randint(lo_us, hi_us)
    return r.choice([f"{us}us", f"{us * 1000}ns", f"{us / 1000:g}ms"])


class Machine:
    """One machine's declarations; lines() gives its text."""

    def __init__(self, r, special):
        self.r = r
        self.special = special  # None, "fault" or "hang"
        self.out = []
        self.drivers = {}      # alias -> (kind, install time in us)
        self.hardware = []
        self.names = 0
        self.calls = {}        # name -> (op, mode, client, alias)
        self.units = set()

    def name(self):
        self.names += 1
        return f"n{self.names}"

    def opts(self, items):
        """Options in random order (each option appears at most once)."""
        self.r.shuffle(items)
        return "".join(" " + i for i in items if i)

    def declare(self):
        r = self.r
        for i in range(r.randint(0, 3)):
            dist = r.choice([f"fixed {duration(r, 0, 900)}",
                             f"uniform {duration(r, 1, 200)} {duration(r, 300, 3000)}",
                             f"exponential {duration(r, 1, 800)}"])
            ch = f" channels {r.choice([1, 2, 3, 8])}" if r.random() < 0.6 else ""
            self.out.append(f"hardware h{i} {dist}{ch}")
            self.hardware.append(f"h{i}")
        for i in range(r.randint(1, 4)):
            kind = r.choice(KINDS)
            if self.special and i == 0:
                kind = "hostile"
            alias = f"d{i}"
            at_us = 0
            items = []
            if r.random() < 0.2:
                unit = r.choice([u for u in range(1, 200) if u not in self.units])
                self.units.add(unit)
                items.append(f"unit {unit}")
            if self.hardware and r.random() < 0.6:
                items.append(f"hardware {r.choice(self.hardware)}")
            if r.random() < 0.2 and not (self.special and i == 0):
                items.append("runtime " + r.choice(["none", "concurrent", "queues-iopb",
                                                    "concurrent,queues-iopb"]))
            # The driver that faults or hangs on purpose must take Control.
            if r.random() < 0.1 and not (self.special and i == 0):
                items.append("disable " + ",".join(r.sample(["read", "write", "control",
                                                             "status"], r.randint(1, 2))))
            if r.random() < 0.15 and not (self.special and i == 0):
                at_us = r.randint(1, 4000)
                items.append(f"at {at_us}us")
            self.out.append(f"driver {alias} builtin {kind}" + self.opts(items))
            self.drivers[alias] = (kind, at_us)
        if r.random() < 0.15:
            self.scsi()
        for alias, (kind, at_us) in list(self.drivers.items()):
            if kind == "scsidisk" or (self.special and alias == "d0"):
                continue
            t = at_us
            if r.random() < 0.2:
                t += r.randint(0, 6000)
                self.out.append(f"at {t}us replace {alias} with builtin "
                                + r.choice(["null", "fixed", "conc", "ownq", "twice"]))
            if r.random() < 0.15:
                t += r.randint(0, 6000)
                imm = " immediate" if r.random() < 0.4 else ""
                self.out.append(f"at {t}us remove {alias}{imm}")

    def scsi(self):
        r = self.r
        items = []
        if r.random() < 0.5:
            items.append("path " + r.choice(["task", "bundled"]))
        if r.random() < 0.3:
            items.append(f"tasks {r.randint(1, 64)}")
        if r.random() < 0.2:
            items.append(f"crossing {duration(r, 0, 20)}")
        if r.random() < 0.2:
            items.append("bug " + r.choice(HBA_BUGS))
        self.out.append("controller c0 builtin hba" + self.opts(items))
        for t in r.sample(range(0, 7), r.randint(1, 2)):
            bs = r.choice([512, 512, 1024, 2048, 4096])
            items = [f"target {t}", f"size {r.choice([64, 128])}k", f"block-size {bs}"]
            if r.random() < 0.3:
                items.append(f"latency {duration(r, 1, 300)}")
            if r.random() < 0.2:
                items.append("read-only")
            if r.random() < 0.3:
                items.append(f"fault medium {r.randint(0, 30)} {r.randint(1, 4)}")
            self.out.append(f"disk k{t} controller c0" + self.opts(items))
            self.out.append(f"driver s{t} builtin scsidisk disk k{t}")
            self.drivers[f"s{t}"] = ("scsidisk", 0)

    def target(self):
        r = self.r
        if r.random() < 0.06:
            return str(r.choice([-1, -49, -50, -53, -60, -1024, -1025, 5]))
        return r.choice(list(self.drivers))

    def call(self, client, ctx, depth):
        """Lines of one call; ctx is 'top', 'repeat' or 'then'."""
        r = self.r
        op = r.choice(["read", "read", "write", "write", "control", "status", "killio",
                       "close", "open"])
        alias = self.target()
        kind = self.drivers.get(alias, ("", 0))[0]
        code = None
        items = []
        if op == "open":
            alias = r.choice(list(self.drivers))
            if r.random() < 0.15:
                head = "open " + r.choice(['".Fixed"', '".null"', '".Nothing"', '".CONCURRENT"'])
            else:
                head = f"open {alias}"
            if r.random() < 0.2:
                items.append("perm " + r.choice(PERMS))
        elif op == "close":
            head = f"close {alias}"
        elif op == "killio":
            head = f"killio {alias}"
        elif op in ("read", "write"):
            head = f"{op} {alias} {r.choice([0, 1, 16, 512, 512, 1024, 4096, '4k', 70000])}"
            x = r.random()
            if x < 0.35:
                items.append(f"at {r.choice([0, 512, 4096, '1k', 65000])}")
            elif x < 0.5:
                pm = r.choice(["fsAtMark", "fsFromStart", "fsFromLEOF", "fsFromMark"])
                items.append(f"posmode {pm}")
                if pm in ("fsFromStart", "fsFromMark") and r.random() < 0.7:
                    items.append(f"offset {r.choice([-512, -8, 0, 8, 512, 4096])}")
            if op == "write" and r.random() < 0.5:
                items.append("pattern " + r.choice([f"byte {r.randint(0, 255)}", "counter",
                                                    f"random {r.randint(0, 99)}",
                                                    'text "ab\\tc\\n"']))
        else:
            if kind == "hostile" and r.random() < 0.5:
                code = r.choice(HOSTILE_SAFE)
            elif kind == "bugs" and r.random() < 0.6:
                code = r.randint(1, 5)
            else:
                code = r.choice([1, 2, 5, 8, 43, -1, 0x10, 6, 7, 9, 12])
            head = f"{op} {alias} {code}"
            if r.random() < 0.3:
                items.append("param " + " ".join(str(r.randint(0, 255))
                                                 for _ in range(r.randint(1, 22))))
        mode = ""
        if op != "killio":
            mode = r.choice(["", "sync", "async", "async", "async", "immediate"])
            if mode:
                items.append(mode)
        name = None
        if ctx == "top" and r.random() < 0.4:
            name = self.name()
            items.append(f"as {name}")
            self.calls[name] = (op, mode or "sync", client, alias, code)
        if r.random() < 0.12:
            items.append(f"pb p{r.randint(0, 2)}")
        then = mode == "async" and depth < 3 and r.random() < 0.2
        if mode == "async" and not then and r.random() < 0.1:
            items.append("no-completion")
        line = head + self.opts(items)
        if not then:
            return [line], name
        body = [line + " then"]
        for _ in range(r.randint(1, 3)):
            body += ["  " + x for x in self.call(client, "then", depth + 1)[0]]
        body.append("end")
        return body, name

    def body(self, client, ctx, nest, issued):
        """Statements of a client or a repeat; issued: async named calls so far."""
        r = self.r
        lines = []
        for _ in range(r.randint(2, 9 if ctx == "top" else 3)):
            x = r.random()
            if x < 0.62:
                ls, name = self.call(client, ctx, 0)
                lines += ls
                if name and self.calls[name][1] == "async":
                    issued.append(name)
            elif x < 0.7:
                lines.append(f"sleep {duration(r, 0, 900)}")
            elif x < 0.76:
                lines.append(f"at {duration(r, 0, 5000)}")
            elif x < 0.84:
                lines.append("wait " + (r.choice(issued) if issued and r.random() < 0.5
                                        else "all"))
            elif nest < 2:
                lines.append(f"repeat {r.choice([1, 2, 3, 5, 8])}")
                lines += ["  " + x for x in self.body(client, "repeat", nest + 1, issued)]
                lines.append("end")
        return lines

    def clients(self):
        r = self.r
        for i in range(r.randint(1, 3)):
            c = f"c{i}"
            at = f" at {duration(r, 0, 3000)}" if r.random() < 0.3 else ""
            lines = [f"open {a}" for a in self.drivers if r.random() < 0.85]
            lines += self.body(c, "top", 0, [])
            if r.random() < 0.7:
                lines.append("wait all")
            self.out.append(f"client {c}{at}")
            self.out += ["  " + x for x in lines]
            self.out.append("end")
        if self.special:
            # A client of its own, so that no wait or deadlock of the others
            # keeps it from the call; .Hostile is concurrent (no runtime
            # option above), so no request left on its queue holds it back.
            code = 100 if self.special == "fault" else 107
            self.out += ["client cz at 20ms", "  open d0", f"  control d0 {code}", "end"]

    def expects(self):
        r = self.r
        names = list(self.calls)
        aliases = list(self.drivers)
        for _ in range(r.randint(0, 6)):
            x = r.randint(0, 11)
            if x == 0 and names:
                self.out.append(f"expect {r.choice(names)} result {r.choice(ERRS)}")
            elif x == 1 and len(names) >= 2:
                self.out.append("expect order " + " ".join(r.sample(names, r.randint(2, min(4, len(names))))))
            elif x == 2:
                on = f" on {r.choice(aliases)}" if r.random() < 0.5 else ""
                self.out.append(f"expect count {r.choice(EVKINDS)}{on} {r.randint(0, 12)}")
            elif x == 3:
                self.out.append(f"expect violation {r.choice(RULES)}")
            elif x == 4:
                rule = " " + r.choice(RULES) if r.random() < 0.5 else ""
                self.out.append(f"expect no violation{rule}")
            elif x == 5:
                reads = [n for n in names if self.calls[n][0] == "read"]
                writes = [n for n in names if self.calls[n][0] == "write"]
                if reads and writes:
                    self.out.append(f"expect data {r.choice(reads)} equals {r.choice(writes)}")
            elif x == 6 and names:
                self.out.append(f"expect time {r.choice(names)} {r.choice(['<=', '>='])} "
                                f"{duration(r, 0, 5000)}")
            elif x == 7 and names:
                self.out.append(f"expect {r.choice(names)} level {r.choice(['task', 'sih', 'hwi'])}")
            elif x == 8:
                # (Not Status csCode 1: its csParam is the DCE's handle, an
                # address, so that the report of a failed expectation would
                # print bytes that differ from run to run.)
                cs = [n for n in names if self.calls[n][0] in ("control", "status")
                      and not (self.calls[n][0] == "status" and self.calls[n][4] == 1)]
                if cs:
                    self.out.append(f"expect {r.choice(cs)} param " + " ".join(
                        str(r.randint(0, 255)) for _ in range(r.randint(1, 4))))
            elif x == 9:
                cmds = [c + r.choice(["", "", ".sync", ".async", ".immediate"])
                        for c in r.sample(COMMANDS, r.randint(1, 4))]
                self.out.append(f"expect sent {r.choice(aliases)} " + " ".join(cmds))
            elif x == 10:
                # A bit is named once, in has or in lacks.
                bits = r.sample(FLAGS, r.randint(2, 4))
                cut = r.randint(1, len(bits) - 1)
                tests = [f"has {','.join(bits[:cut])}", f"lacks {','.join(bits[cut:])}"]
                tests = r.sample(tests, r.randint(1, 2))
                self.out.append(f"expect flags {r.choice(aliases)} at {duration(r, 0, 5000)} "
                                + " ".join(tests))
            elif x == 11:
                self.out.append("expect unfinished")


def scenario(seed):
    """The text of the scenario made from seed."""
    r = random.Random(seed)
    x = r.random()
    special = "fault" if x < 0.02 else "hang" if x < 0.04 else None
    nmachines = 2 if r.random() < 0.2 else 1
    head = []
    if special == "fault":
        head += ["# expect-exit: 3", "# expect-stderr: dmsim: driver fault:"]
    elif special == "hang":
        head += ["# expect-exit: 4", "# expect-stderr: dmsim: watchdog:"]
    head.append(f"# tests/gen_scenarios.py, seed {seed}")
    if r.random() < 0.8:
        head.append(f"seed {r.randint(0, 2**64 - 1)}")
    machines = []
    for i in range(nmachines):
        m = Machine(r, special if i == nmachines - 1 else None)
        m.declare()
        m.clients()
        m.expects()
        machines.append(m)
    if nmachines == 1:
        return "\n".join(head + machines[0].out) + "\n"
    out = head
    for i, m in enumerate(machines):
        out.append(f"machine m{i}")
        out += ["  " + x for x in m.out]
        out.append("end")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description="write random but valid dmsim scenarios")
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--max-bytes", type=int, default=0)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    s = a.seed * 1000003
    for i in range(a.count):
        text = scenario(s)
        while a.max_bytes and len(text) > a.max_bytes:
            s += 1
            text = scenario(s)
        s += 1
        with open(os.path.join(a.out, f"g{i:04d}.dms"), "w", encoding="ascii") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
