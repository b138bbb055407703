#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
#
# parse-results.py - judge one guest boot from its serial log.
#
# Three sources, each a row "source<TAB>passed<TAB>failed<TAB>skipped" appended
# to --results (for the summary table of make check):
#   kunit-<label>  KUnit cases, parsed by the kernel's own parser
#                  (tools/testing/kunit/kunit.py parse --json); a permcache
#                  suite must be there when --kunit is given, and no suite may
#                  be empty
#   guest-<label>  "PCTEST: PASS|FAIL" lines of the in-guest checks
#   boot-<label>   one check: no panic/oops/BUG/WARNING/KASAN/UBSAN/lockdep/
#                  kmemleak report in the kernel's messages, and the end marker
#                  "PERMCACHE-GUEST-DONE rc=N" was printed (else: hang)
# Failures are printed one per line.  Exit status: 0 if the boot was clean;
# the guest's rc is written to --rc-file when given.
#
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

# Kernel messages carry a printk timestamp (CONFIG_PRINTK_TIME); guest
# output does not, so a script printing "WARNING:" does not fail a boot.
KMSG = re.compile(r'^\[\s*\d+\.\d+\]\s?(.*)$')
BAD = [
    ('Kernel panic', 'kernel panic'),
    ('Oops', 'oops'),
    ('BUG:', 'BUG'),
    ('WARNING:', 'WARNING'),
    ('KASAN:', 'KASAN report'),
    ('UBSAN:', 'UBSAN report'),
    ('possible circular locking', 'lockdep: circular locking'),
    ('INFO: ', 'lockdep/hung-task INFO'),
    ('unreferenced object', 'kmemleak: unreferenced object'),
]
DONE = re.compile(r'PERMCACHE-GUEST-DONE rc=(\d+)')
PCTEST = re.compile(r'PCTEST: (PASS|FAIL) (\S+?)(?::\s*(.*))?$')


def kunit_counts(kunit_py, log, want_permcache):
    """Return (passed, failed, skipped, problems) for the KUnit output."""
    with tempfile.NamedTemporaryFile(suffix='.json', delete=False) as tmp:
        jpath = tmp.name
    try:
        r = subprocess.run([sys.executable, kunit_py, 'parse',
                            '--json=' + jpath, log],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True)
        try:
            with open(jpath) as f:
                data = json.load(f)
        except (OSError, ValueError):
            data = {}
    finally:
        os.unlink(jpath)

    passed = failed = skipped = 0
    problems = []

    def leaves(group, path):
        nonlocal passed, failed, skipped
        n = 0
        for case in group.get('test_cases', []):
            n += 1
            st = case.get('status')
            name = path + '.' + case.get('name', '?')
            if st == 'PASS':
                passed += 1
            elif st == 'SKIP':
                skipped += 1
            else:
                failed += 1
                problems.append(f'kunit {name}: {st}')
        for sub in group.get('sub_groups', []):
            n += leaves(sub, path + '.' + sub.get('name', '?'))
        return n

    suites = data.get('sub_groups', []) if isinstance(data, dict) else []
    for s in suites:
        name = s.get('name', '?')
        if leaves(s, name) == 0:
            failed += 1
            problems.append(f'kunit suite {name}: no test cases')
    if want_permcache and not any(s.get('name', '').startswith('permcache')
                                  for s in suites):
        failed += 1
        tail = r.stdout.strip().splitlines()[-1:] or ['']
        problems.append('kunit: no permcache suite in the log '
                        f'(CONFIG_PERMCACHE_KUNIT_TEST=y) {tail[0]}')
    return passed, failed, skipped, problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('log')
    ap.add_argument('--label', default='boot')
    ap.add_argument('--kunit-py', required=True)
    ap.add_argument('--kunit', action='store_true',
                    help='CONFIG_PERMCACHE_KUNIT_TEST=y: expect a permcache suite')
    ap.add_argument('--results', help='append summary rows to this file')
    ap.add_argument('--rc-file', help='write the guest rc here')
    ap.add_argument('--timed-out', action='store_true')
    a = ap.parse_args()

    with open(a.log, errors='replace') as f:
        lines = f.read().splitlines()

    boot_problems = []
    seen = set()
    guest_rc = None
    pc_pass = pc_fail = 0
    pc_problems = []
    # Without timestamps anywhere (CONFIG_PRINTK_TIME off), judge every line.
    stamped = any(KMSG.match(line) for line in lines)
    for line in lines:
        m = KMSG.match(line) if stamped else re.match(r'(.*)', line)
        if m:
            for pat, what in BAD:
                if pat in m.group(1) and what not in seen:
                    seen.add(what)
                    boot_problems.append(f'{what}: {m.group(1).strip()}')
        m = DONE.search(line)
        if m:
            guest_rc = int(m.group(1))
        m = PCTEST.search(line)
        if m:
            if m.group(1) == 'PASS':
                pc_pass += 1
            else:
                pc_fail += 1
                pc_problems.append(f'guest {m.group(2)}: {m.group(3) or ""}')
    if guest_rc is None:
        boot_problems.append('hang: guest killed by the timeout'
                             if a.timed_out else
                             'no end marker PERMCACHE-GUEST-DONE (crash?)')

    kp, kf, ks, kprob = kunit_counts(a.kunit_py, a.log, a.kunit)

    rows = [
        (f'kunit-{a.label}', kp, kf, ks),
        (f'guest-{a.label}', pc_pass, pc_fail, 0),
        (f'boot-{a.label}', 0 if boot_problems else 1,
         1 if boot_problems else 0, 0),
    ]
    if a.results:
        with open(a.results, 'a') as f:
            for r in rows:
                f.write('\t'.join(map(str, r)) + '\n')
    for p in kprob + pc_problems + [f'boot {a.label}: {p}' for p in boot_problems]:
        print(f'  FAIL {p}')
    print(f'  {a.label}: kunit {kp} passed, {kf} failed, {ks} skipped; '
          f'guest checks {pc_pass} passed, {pc_fail} failed; '
          f'boot {"clean" if not boot_problems else "NOT clean"}'
          + (f'; guest rc={guest_rc}' if guest_rc is not None else ''))
    if a.rc_file:
        with open(a.rc_file, 'w') as f:
            f.write(f'{guest_rc if guest_rc is not None else ""}\n')
    return 1 if boot_problems else 0


if __name__ == '__main__':
    sys.exit(main())
