#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
#
# report.py - turn the serial logs of "make bench" (scripts/bench.sh) into
# bench/results/<date>.md, <date>.json and <date>-*.png, and print the
# summary: each target of the benchmark issue, met or missed, measured.
#
#   report.py --out DIR LOG...
#
# Every figure is taken per run and given as median (min..max) over the
# runs of one boot.  Timings are only ever compared within one boot: under
# QEMU TCG their absolute values mean nothing.
#
import argparse
import datetime
import json
import os
import re
import statistics
import sys

PROGRESS = re.compile(r'^BENCH')
GOAL = 20


def parse_log(path):
    boot = {'log': os.path.basename(path), 'info': {}, 'measure': {},
            'results': [], 'samples': [], 'pcstats': {}, 'errors': [],
            'done': False}
    for line in open(path, errors='replace'):
        line = line.rstrip('\n')
        f = line.split()
        if not f:
            continue
        if f[0] == 'BENCHINFO' and len(f) >= 3:
            boot['info'][f[1]] = ' '.join(f[2:])
        elif f[0] == 'BENCHMEASURE' and len(f) == 5:
            run, w, name, val = f[1], f[2], f[3], f[4]
            try:
                boot['measure'].setdefault(run, {}).setdefault(w, {})[name] = int(val)
            except ValueError:
                pass
        elif f[0] == 'BENCHRES' and len(f) > 4 and f[3] == 'RESULT':
            r = {'run': int(f[1]), 'cal': int(f[2].split('=')[1])}
            for kv in f[4:]:
                k, _, v = kv.partition('=')
                r[k] = int(v) if re.fullmatch(r'-?\d+', v) else v
            boot['results'].append(r)
        elif f[0] == 'BENCHRES' and len(f) > 3 and f[3] == 'ERROR':
            boot['errors'].append(' '.join(f[3:]))
        elif f[0] == 'BENCHSAMPLE' and len(f) == 5:
            boot['samples'].append({'t_ms': int(f[2]), 'directmap4k_kB': int(f[3]),
                                    'l2_splits': int(f[4])})
        elif f[0] == 'BENCHPCSTAT' and len(f) == 3:
            boot['pcstats'][f[1]] = int(f[2])
        elif f[0] == 'BENCHHOST' and len(f) >= 3:
            boot['info']['host_' + f[1]] = ' '.join(f[2:])
        elif f[0] == 'BENCHERR':
            boot['errors'].append(' '.join(f[1:]))
        elif 'PERMCACHE-GUEST-DONE' in line:
            boot['done'] = True
    info = boot['info']
    boot['enable'] = info.get('enable') == 'Y'
    boot['nodes'] = int(info.get('nodes', 0))
    boot['cpus'] = int(info.get('cpus', 0))
    return boot


def cal(r):
    """CAL IPIs of a module result: the timed operations' own count if the
    module gave one (cal_ipis), else the guest's count around the write."""
    v = r.get('cal_ipis')
    return v if isinstance(v, int) else r['cal']


def stats(vals):
    vals = [v for v in vals if v is not None]
    if not vals:
        return None
    return {'median': statistics.median(vals), 'min': min(vals), 'max': max(vals),
            'n': len(vals)}


def fmt(s, digits=1):
    if not s:
        return 'n/a'
    f = f'{{:.{digits}f}}'
    return f'{f.format(s["median"])} ({f.format(s["min"])}..{f.format(s["max"])})'


def results(boot, test, threads=1, node='local'):
    """Per run: the RESULT dict of one test, thread count and node."""
    out = {}
    for r in boot['results']:
        if r['test'] == test and r['threads'] == threads and r['node'] == node:
            out[r['run']] = r
    return out


def ratio_per_run(boot, slow, fast, key='p50_ns', threads=1):
    a, b = results(boot, slow, threads), results(boot, fast, threads)
    return [a[r][key] / b[r][key] for r in a if r in b and b[r][key]]


def find(boots, nodes, enable):
    for b in boots:
        if b['nodes'] == nodes and b['enable'] == enable:
            return b
    return None


def aggregate(boot):
    """Median/min/max over runs for every (test, threads, node)."""
    groups = {}
    for r in boot['results']:
        groups.setdefault((r['test'], r['threads'], r['node']), []).append(r)
    rows = []
    for (test, th, node), rs in sorted(groups.items()):
        ops = sum(r['ops'] for r in rs)
        row = {'test': test, 'threads': th, 'node': node, 'runs': len(rs)}
        for k in ('p50_ns', 'p90_ns', 'p99_ns', 'max_ns', 'ops_per_sec'):
            row[k] = stats([r[k] for r in rs])
        row['cal_per_1000_ops'] = stats([1000 * cal(r) / r['ops'] for r in rs if r['ops']])
        row['flushes_per_1000_ops'] = stats([1000 * r['flushes'] / r['ops']
                                             for r in rs if r['ops']])
        row['l2_splits'] = sum(r['l2_splits'] for r in rs)
        row['local_share'] = sum(r['local_ops'] for r in rs) / ops if ops else None
        rows.append(row)
    return rows


def p50(boot, test):
    """Median over the runs of one test's p50 (1 thread, local), or None."""
    rs = results(boot, test)
    return statistics.median(r['p50_ns'] for r in rs.values()) if rs else None


def mean(boot, test):
    """Median over the runs of one test's mean ns per op (1 thread, local)."""
    rs = [r for r in results(boot, test).values() if r['ops_per_sec']]
    return statistics.median(1e9 / r['ops_per_sec'] for r in rs) if rs else None


def why(boot, slow, fast):
    """The figures behind a missed speed-up, from the same boot."""
    a, b = results(boot, slow), results(boot, fast)
    if not a or not b:
        return 'no figures'
    fa = statistics.median(1000 * cal(r) / r['ops'] for r in a.values() if r['ops'])
    fb = statistics.median(1000 * cal(r) / r['ops'] for r in b.values() if r['ops'])
    ma, mb = mean(boot, slow), mean(boot, fast)
    return (f'mean per op (TCG): {fast} {mb:.0f} ns, {slow} {ma:.0f} ns; '
            f'{GOAL}x needs <= {ma / GOAL:.0f} ns; CAL IPIs per 1000 ops {fb:.0f} vs {fa:.0f}')


def secret_why(boot):
    """Where the time of a SECRET alloc+free goes, from the breakdown tests."""
    s, sn = p50(boot, 'secret_stock'), p50(boot, 'secret_stock_noflush')
    p, pz = p50(boot, 'secret_pc'), p50(boot, 'secret_pc_rezero')
    cp = p50(boot, 'clear_page')
    if None in (s, p, sn, pz, cp):
        return why(boot, 'secret_stock', 'secret_pc')
    return (f'{why(boot, "secret_stock", "secret_pc")}. Breakdown (p50): stock '
            f'{s - sn:.0f} ns shootdown (secret_stock - secret_stock_noflush) + {sn:.0f} ns '
            f'the rest; permcache {p:.0f} ns an op whose page waits in a zeroing batch; '
            f'zeroing one page on its own costs {pz - p:.0f} ns (secret_pc_rezero - '
            f'secret_pc), {cp:.0f} ns of it clear_page, the rest its temporary PTE and '
            'local flush')


def rox_why(boot, size=256):
    """Where the time of a ROX alloc+write+free goes: its two text pokes."""
    s, p = mean(boot, f'rox_stock_{size}'), mean(boot, f'rox_pc_{size}')
    t = p50(boot, f'text_poke_{size}')
    base = why(boot, f'rox_stock_{size}', f'rox_pc_{size}')
    if None in (s, p, t):
        return base
    return (f'{base}. Breakdown: permcache does two text pokes per op (the write, and '
            f'the trapping fill on free: invariant 2), text_poke_{size} p50 {t:.0f} ns each, '
            f'{2 * t:.0f} ns, + {p - 2 * t:.0f} ns the rest; stock does one. '
            + ('Even the one poke of the write, which invariant 2 requires, is more than'
               if t > s / GOAL else 'The two pokes alone are more than'
               if 2 * t > s / GOAL else 'The two pokes fit in')
            + f' the {s / GOAL:.0f} ns budget')


def scaling_why(boot, test, th):
    """Per-op cost or parallelism: which one kept the speed-up down."""
    one, many = results(boot, test, 1), results(boot, test, th)
    runs = [r for r in one if r in many]
    if not runs:
        return 'no figures'
    p1 = statistics.median(one[r]['p50_ns'] for r in runs)
    pn = statistics.median(many[r]['p50_ns'] for r in runs)
    # Operations times their typical cost over the wall time: how many
    # threads were inside an operation on average, relative to 1 thread.
    def overlap(r):
        return r['ops'] * r['p50_ns'] / r['total_ns'] if r['total_ns'] else 0
    busy = statistics.median(overlap(many[r]) / overlap(one[r]) for r in runs
                             if overlap(one[r]))
    load = boot['info'].get('host_loadavg', 'not recorded')
    # Controls that share nothing between threads: what the vCPUs can do.
    ctl = []
    for c in ('clear_page', 'secret_stock_noflush'):
        c1, cn = results(boot, c, 1), results(boot, c, th)
        v = [cn[r]['ops_per_sec'] / c1[r]['ops_per_sec'] for r in c1
             if r in cn and c1[r]['ops_per_sec']]
        if v:
            q = [cn[r]['p50_ns'] / c1[r]['p50_ns'] for r in c1 if r in cn and c1[r]['p50_ns']]
            ctl.append(f'{c} {statistics.median(v):.2f}x '
                       f'(p50 {100 * (statistics.median(q) - 1):+.0f}%)')
    text = (f'p50 per op {p1:.0f} ns with 1 thread, {pn:.0f} ns with {th} '
            f'({100 * (pn / p1 - 1):+.0f}%); on average {busy:.2f} of {th} threads '
            'were inside an operation; '
            + (f'controls that share nothing, same boot: {", ".join(ctl)}; '
               if ctl else '')
            + f'host: {os.cpu_count()} cores, load average {load} after the boot '
            "(the guest's own vCPU threads included)")
    return text


POKE_KEYS = ('text_poke', 'text_poke_copy', 'text_poke_set')
CONSUMER_SIZES = (256, 4096)


def per_op(r, key, ops_key='ops'):
    """r[key] / r[ops_key], or None (missing, "n/a" or no operations)."""
    v, n = r.get(key), r.get(ops_key)
    return v / n if isinstance(v, int) and isinstance(n, int) and n else None


def pokes_per_op(r):
    """text_poke + text_poke_copy + text_poke_set calls per counted op."""
    vs = [per_op(r, k, 'poke_ops') for k in POKE_KEYS]
    return None if None in vs else sum(vs)


def med(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


def num(v, digits=2):
    return 'n/a' if v is None else f'{v:.{digits}f}'


def consumer_bpf(boot, kind, size):
    """bpf_prog_pack alloc+write+free, enable=0 (stock) vs =1 (permcache),
    both from one boot: per-run figures and their medians."""
    s = results(boot, f'bpf_{kind}_stock_{size}')
    p = results(boot, f'bpf_{kind}_pc_{size}')
    runs = sorted(r for r in s if r in p)
    if not runs:
        return None

    # 1 thread: total_ns / ops is the mean time per op (ops_per_sec is an
    # integer, too coarse for the stock churn's ~100 ops/s).
    def mean_ns(r):
        return r['total_ns'] / r['ops'] if r['ops'] else None

    def side(rs):
        rs = [rs[r] for r in runs]
        return {
            'mean_ns': med(mean_ns(r) for r in rs),
            'p50_ns': med(r['p50_ns'] for r in rs),
            'cal_per_op': med(per_op(r, 'cal_ipis') for r in rs),
            'flushes_per_op': med(per_op(r, 'flushes') for r in rs),
            'l2_splits': sum(r['l2_splits'] for r in rs),
            'warm_l2_splits': sum(r.get('warm_l2_splits', 0) for r in rs),
            'pokes_per_op': med(pokes_per_op(r) for r in rs),
            'poke_mm_per_op': med(per_op(r, 'text_poke_mm', 'poke_ops') for r in rs),
            'text_allocs_per_op': med(per_op(r, 'text_allocs', 'poke_ops') for r in rs),
            'ops': sum(r['ops'] for r in rs),
        }
    return {'kind': kind, 'size': size, 'runs': len(runs),
            'ratio': stats([mean_ns(s[r]) / mean_ns(p[r]) for r in runs
                            if mean_ns(s[r]) and mean_ns(p[r])]),
            'p50_ratio': stats([s[r]['p50_ns'] / p[r]['p50_ns'] for r in runs
                                if p[r]['p50_ns']]),
            'stock': side(s), 'pc': side(p)}


def consumer_secret(boot):
    """memfd_secret faults from userspace, enable=0 vs =1 in one boot."""
    runs = sorted(r for r, m in boot['measure'].items()
                  if m.get('secretfault_e0', {}).get('ops')
                  and m.get('secretfault_e1', {}).get('ops')
                  and 'failed' not in m['secretfault_e0']
                  and 'failed' not in m['secretfault_e1'])
    if not runs:
        return None

    def ns(m):
        return 1e6 * m['elapsed_ms'] / m['ops']

    def side(w):
        ms = [boot['measure'][r][w] for r in runs]
        return {
            'ns_per_fault': med(ns(m) for m in ms),
            'faults': sum(m['ops'] for m in ms),
            'cal_per_1000': med(1000 * m.get('cal_ipis', 0) / m['ops'] for m in ms),
            'kernel_ipis_per_1000': med(1000 * (m.get('cal_ipis', 0) - m.get('tlb_ipis', 0))
                                        / m['ops'] for m in ms),
            'tlb_per_1000': med(1000 * m.get('tlb_ipis', 0) / m['ops'] for m in ms),
            'flushes_per_1000': med(1000 * m.get('permcache_flushes', 0) / m['ops']
                                    for m in ms),
            'l2_splits': sum(m.get('direct_map_level2_splits', 0) for m in ms),
            'directmap4k_kB': sum(m.get('directmap4k_kB', 0) for m in ms),
        }
    e0 = [boot['measure'][r]['secretfault_e0'] for r in runs]
    e1 = [boot['measure'][r]['secretfault_e1'] for r in runs]
    return {'runs': len(runs), 'stock': side('secretfault_e0'), 'pc': side('secretfault_e1'),
            'ratio': stats([ns(a) / ns(b) for a, b in zip(e0, e1) if b['elapsed_ms']])}


def consumers(boot):
    rows = []
    for kind in ('held', 'churn'):
        for size in CONSUMER_SIZES:
            c = consumer_bpf(boot, kind, size)
            if c:
                rows.append(c)
    return rows


BPF_LABEL = {'held': 'pack already present', 'churn': 'pack created and destroyed per op'}
BPF_SHORT = {'held': 'pack present', 'churn': 'pack churn'}


def bpf_measured(c):
    s, p = c['stock'], c['pc']
    text = (f'stock/permcache time {fmt(c["ratio"], 2)}x (stock {s["mean_ns"] / 1000:.0f} us, '
            f'permcache {p["mean_ns"] / 1000:.0f} us per op); text pokes/op '
            f'{num(s["pokes_per_op"])} vs {num(p["pokes_per_op"])}; CAL IPIs/op '
            f'{num(s["cal_per_op"])} vs {num(p["cal_per_op"])}; permcache flushes/op '
            f'{num(p["flushes_per_op"])}; l2 splits {s["l2_splits"]} vs {p["l2_splits"]} '
            f'(set-up and warm-up: {s["warm_l2_splits"]} vs {p["warm_l2_splits"]})')
    if c['kind'] == 'churn':
        text += (f'; new text areas/op {num(s["text_allocs_per_op"])} vs '
                 f'{num(p["text_allocs_per_op"])}')
    return text


def secret_measured(c):
    s, p = c['stock'], c['pc']
    return (f'stock/permcache time {fmt(c["ratio"], 2)}x (stock {s["ns_per_fault"] / 1000:.1f} us, permcache '
            f'{p["ns_per_fault"] / 1000:.1f} us per fault+free); kernel IPIs (CAL-TLB) '
            f'per 1000 faults {s["kernel_ipis_per_1000"]:.0f} vs '
            f'{p["kernel_ipis_per_1000"]:.0f}; l2 splits {s["l2_splits"]} vs {p["l2_splits"]}')


def targets(boots):
    out = []

    def add(name, goal, value, met, how, reason=''):
        out.append({'target': name, 'goal': goal, 'measured': value,
                    'met': met, 'how': how, 'reason': reason})

    pcboots = [b for b in boots if b['enable']]
    for nodes in sorted({b['nodes'] for b in pcboots}):
        b = find(boots, nodes, True)
        how = ('1 thread, local node, per run: permcache ops/s / stock ops/s (every '
               'operation counts, the frees that zero a batch of pages included)')
        t = stats(ratio_per_run(b, 'secret_pc', 'secret_stock', 'ops_per_sec'))
        r = stats(ratio_per_run(b, 'secret_stock', 'secret_pc'))
        add(f'SECRET alloc+free, permcache vs stock ({nodes} nodes)', f'>= {GOAL}x',
            f'{fmt(t)}x throughput, {fmt(r)}x p50 latency',
            bool(t) and t['median'] >= GOAL, how,
            '' if t and t['median'] >= GOAL else
            secret_why(b) if t else 'no figures (boot failed?)')
        t = stats(ratio_per_run(b, 'rox_pc_256', 'rox_stock_256', 'ops_per_sec'))
        r = stats(ratio_per_run(b, 'rox_stock_256', 'rox_pc_256'))
        add(f'ROX 256 B vs execmem+set_memory_rox+vfree per alloc, synthetic ({nodes} nodes)',
            f'>= {GOAL}x', f'{fmt(t)}x throughput, {fmt(r)}x p50 latency',
            bool(t) and t['median'] >= GOAL,
            how + '; the stock side is what bpf_prog_pack does once per pack, '
            'not per program: see the bpf_prog_pack rows for the real consumer',
            '' if t and t['median'] >= GOAL else
            rox_why(b) if t else 'no figures (boot failed?)')
        for c in consumers(b):
            add(f'bpf_prog_pack alloc+write+free {c["size"]} B, {BPF_SHORT[c["kind"]]} '
                f'({nodes} nodes)', 'report',
                bpf_measured(c), None,
                'module tests bpf_' + c['kind'] + '_{stock,pc}: bpf_prog_pack_alloc() + '
                'bpf_arch_text_copy() + bpf_prog_pack_free() (its text_poke_set()), '
                '1 thread, permcache.enable flipped at run time in the same boot; '
                'ratio per run of mean time per op (stock / permcache); text pokes counted by kprobes on '
                'text_poke/text_poke_copy/text_poke_set in an untimed pass; '
                'CAL over the timed ops')
        c = consumer_secret(b)
        if c:
            add(f'memfd_secret fault+free from userspace ({nodes} nodes)', 'report',
                secret_measured(c), None,
                f'pcwork secret-loop (one file of 256 pages faulted, then munmap and '
                f'close, in a loop) with permcache.enable=0 and =1 in the same boot; '
                f'ratio per run of wall time per fault; {c["stock"]["faults"]} and '
                f'{c["pc"]["faults"]} faults')

    # Invariant 3: direct-map splits while only permcache ran.
    splits, where = 0, []
    for b in pcboots:
        s = sum(r['l2_splits'] for r in b['results'] if r['test'].endswith('_pc')
                or '_pc_' in r['test'])
        splits += s
        where.append(f"{b['nodes']}n module {s}")
        for run, ws in b['measure'].items():
            for w, m in ws.items():
                # secretfault_e0: the stock path, run in this boot.
                if not w.endswith('_e0'):
                    splits += m.get('direct_map_level2_splits', 0)
        if len(b['samples']) > 1:
            splits += b['samples'][-1]['l2_splits'] - b['samples'][0]['l2_splits']
    stock = [b for b in boots if not b['enable']]
    ssplits = sum(m.get('direct_map_level2_splits', 0) for b in stock
                  for ws in b['measure'].values() for m in ws.values())
    ssplits += sum(m.get('direct_map_level2_splits', 0) for b in pcboots
                   for ws in b['measure'].values() for w, m in ws.items()
                   if w.endswith('_e0'))
    add('direct-map 4 KiB splits caused by permcache', '0', f'{splits}',
        bool(pcboots) and splits == 0,
        'direct_map_level2_splits delta over the permcache tests of the module, '
        'pcwork secret/bpf, the secretmem churn and the enable=1 half of the '
        'secret fault loop in permcache.enable=1 boots '
        f'(stock paths, same workloads and the enable=0 half: {ssplits})',
        '' if splits == 0 else 'see the per-test l2_splits column')

    ops = local = 0
    for b in pcboots:
        for r in b['results']:
            if '_pc' in r['test'] and r['node'] == 'local':
                ops += r['ops']
                local += r['local_ops']
    remote = sum(m.get('alloc_remote', 0) for b in pcboots
                 for ws in b['measure'].values() for m in ws.values())
    allocs = sum(m.get('alloc_secret', 0) + m.get('alloc_text', 0) for b in pcboots
                 for ws in b['measure'].values() for m in ws.values())
    share = 100 * local / ops if ops else None
    add('local-node share of permcache allocations', '>= 99%',
        (f'{share:.2f}% of {ops} module ops' if share is not None else 'n/a')
        + f'; workloads: {remote} remote of {allocs}',
        share is not None and share >= 99,
        'module tests with node=local: memory on the thread\'s node '
        f'(workloads: alloc_remote {remote} of {allocs} allocations)',
        '' if share is not None and share >= 99 else 'remote fallback happened')

    for nodes in sorted({b['nodes'] for b in pcboots}):
        b = find(boots, nodes, True)
        for th in sorted({r['threads'] for r in b['results'] if r['threads'] > 1}):
            one = results(b, 'secret_pc', 1)
            many = results(b, 'secret_pc', th)
            s = stats([many[r]['ops_per_sec'] / one[r]['ops_per_sec']
                       for r in one if r in many and one[r]['ops_per_sec']])
            # The target is 2 threads on 2 nodes; the rest is reported.
            target = th == 2 and nodes == 2
            goal = '>= 1.7x' if target else 'report'
            met = (bool(s) and s['median'] >= 1.7) if target else None
            add(f'secret_pc throughput, {th} threads vs 1 ({nodes} nodes, '
                f'{b["cpus"]} CPUs)', goal, f'{fmt(s, 2)}x', met,
                'aggregate ops/s of the threads, spread over the nodes, local node',
                scaling_why(b, 'secret_pc', th) if met is False or
                (met is None and s and s['median'] < 0.85 * th) else '')
    return out


def plots(boots, out, stem):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    files = []

    def save(fig, name):
        fig.tight_layout()
        files.append(f'{stem}-{name}.png')
        fig.savefig(os.path.join(out, files[-1]), dpi=80)
        plt.close(fig)

    pcboots = sorted([b for b in boots if b['enable']], key=lambda b: b['nodes'])

    # Latency percentiles, 1 thread, local, per permcache.enable=1 boot.
    tests = ['secret_pc', 'secret_stock', 'rox_pc_64', 'rox_stock_64', 'rox_pc_256',
             'rox_stock_256', 'rox_pc_4096', 'rox_stock_4096', 'rox_pc_65536',
             'rox_stock_65536']
    if pcboots:
        fig, axes = plt.subplots(1, len(pcboots), figsize=(6 * len(pcboots), 4.5),
                                 squeeze=False)
        for ax, b in zip(axes[0], pcboots):
            agg = {(r['test'], r['threads'], r['node']): r for r in aggregate(b)}
            names = [t for t in tests if (t, 1, 'local') in agg]
            for i, p in enumerate(('p50_ns', 'p90_ns', 'p99_ns')):
                ys = [agg[(t, 1, 'local')][p]['median'] / 1000 for t in names]
                ax.bar([x + i * 0.27 for x in range(len(names))], ys, 0.27, label=p[:3])
            ax.set_xticks([x + 0.27 for x in range(len(names))])
            ax.set_xticklabels(names, rotation=45, ha='right', fontsize=8)
            ax.set_yscale('log')
            ax.set_ylabel('µs per op (TCG; compare within one plot)')
            ax.set_title(f'{b["nodes"]} nodes, permcache.enable=1, 1 thread')
            if names:
                ax.legend()
        save(fig, 'latency')

    # Shootdowns (CAL IPIs) per 1000 ops, stock boot vs permcache boot.
    fig, ax = plt.subplots(figsize=(8, 4.5))
    labels, stock_v, pc_v = [], [], []
    for nodes in sorted({b['nodes'] for b in boots}):
        s, p = find(boots, nodes, False), find(boots, nodes, True)
        for w in ('secret', 'bpf'):
            def per1000(b):
                if not b:
                    return 0
                v = [1000 * m[w]['cal_ipis'] / m[w]['ops']
                     for m in b['measure'].values() if w in m and m[w].get('ops')]
                return statistics.median(v) if v else 0
            labels.append(f'pcwork {w}\n{nodes}n')
            stock_v.append(per1000(s))
            pc_v.append(per1000(p))
        if p:
            agg = {(r['test'], r['threads'], r['node']): r for r in aggregate(p)}
            for slow, fast in (('secret_stock', 'secret_pc'),
                               ('rox_stock_256', 'rox_pc_256')):
                if (slow, 1, 'local') in agg and (fast, 1, 'local') in agg:
                    labels.append(f'{fast.replace("_pc", "")}\nmodule {nodes}n')
                    stock_v.append(agg[(slow, 1, 'local')]['cal_per_1000_ops']['median'])
                    pc_v.append(agg[(fast, 1, 'local')]['cal_per_1000_ops']['median'])
    xs = range(len(labels))
    ax.bar([x - 0.2 for x in xs], stock_v, 0.4, label='stock path')
    ax.bar([x + 0.2 for x in xs], pc_v, 0.4, label='permcache')
    ax.set_xticks(list(xs))
    ax.set_xticklabels(labels, fontsize=7)
    ax.set_ylabel('function-call IPIs (CAL) per 1000 ops')
    ax.set_title('kernel TLB shootdowns per 1000 operations (median of runs)')
    ax.legend()
    save(fig, 'shootdowns')

    # DirectMap4k over time under secretmem churn.
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for b in sorted(boots, key=lambda b: (b['nodes'], b['enable'])):
        if b['samples']:
            ax.plot([s['t_ms'] / 1000 for s in b['samples']],
                    [s['directmap4k_kB'] / 1024 for s in b['samples']],
                    label=f'{b["nodes"]} nodes, permcache.enable={int(b["enable"])}')
    ax.set_xlabel('s since the churn started')
    ax.set_ylabel('DirectMap4k (MiB)')
    ax.set_title('DirectMap4k under stress-ng --secretmem 2')
    if ax.get_legend_handles_labels()[0]:
        ax.legend()
    save(fig, 'directmap4k')

    # Throughput vs threads, relative to one thread of the same test.
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for b in pcboots:
        agg = {(r['test'], r['threads'], r['node']): r for r in aggregate(b)}
        for t in ('secret_pc', 'secret_stock', 'rox_pc_256', 'rox_stock_256', 'clear_page'):
            ths = sorted(th for (tt, th, n) in agg if tt == t and n == 'local')
            if not ths or (t, 1, 'local') not in agg:
                continue
            base = agg[(t, 1, 'local')]['ops_per_sec']['median']
            ax.plot(ths, [agg[(t, th, 'local')]['ops_per_sec']['median'] / base
                          for th in ths], marker='o', label=f'{t}, {b["nodes"]} nodes')
    ax.set_xlabel('threads (spread over the nodes)')
    ax.set_ylabel('throughput / 1-thread throughput')
    ax.set_title('scaling, permcache.enable=1 boots')
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7)
    save(fig, 'throughput')
    return files


def markdown(boots, tgts, pngs, stem, args):
    md = [f'# permcache benchmark, {stem}', '',
          'Produced by `make bench` (scripts/bench.sh, bench/report.py). '
          'Each figure is the median (min..max) over the runs of one boot. '
          'Guests run under QEMU TCG: times are only compared as ratios '
          'within one boot.', '']
    for n in args.note:
        md += [n, '']
    md += ['| boot | nodes | CPUs | permcache.enable | runs | iterations | clean end |',
           '|---|---|---|---|---|---|---|']
    for b in boots:
        md.append(f'| {b["log"]} | {b["nodes"]} | {b["cpus"]} | {int(b["enable"])} | '
                  f'{b["info"].get("runs", "?")} | {b["info"].get("iters", "?")} | '
                  f'{"yes" if b["done"] else "NO"} |')
    md += ['', '## Targets', '', '| target | goal | measured | met | how | reason if missed |',
           '|---|---|---|---|---|---|']
    for t in tgts:
        met = 'report' if t['met'] is None else ('**met**' if t['met'] else '**MISSED**')
        md.append(f'| {t["target"]} | {t["goal"]} | {t["measured"]} | {met} | {t["how"]} '
                  f'| {t["reason"]} |')
    for b in boots:
        md += ['', f'## {b["nodes"]} nodes, permcache.enable={int(b["enable"])}', '']
        if b['errors']:
            md += ['Errors: ' + '; '.join(b['errors']), '']
        rows = aggregate(b)
        if rows:
            md += ['| test | threads | node | p50 ns | p90 ns | p99 ns | max ns | ops/s | '
                   'CAL/1000 ops | flushes/1000 ops | l2 splits | local |',
                   '|---|---|---|---|---|---|---|---|---|---|---|---|']
            for r in rows:
                md.append(f'| {r["test"]} | {r["threads"]} | {r["node"]} | '
                          f'{fmt(r["p50_ns"], 0)} | {fmt(r["p90_ns"], 0)} | '
                          f'{fmt(r["p99_ns"], 0)} | {fmt(r["max_ns"], 0)} | '
                          f'{fmt(r["ops_per_sec"], 0)} | {fmt(r["cal_per_1000_ops"])} | '
                          f'{fmt(r["flushes_per_1000_ops"])} | {r["l2_splits"]} | '
                          f'{100 * r["local_share"]:.1f}% |')
        ws = sorted({w for m in b['measure'].values() for w in m})
        if ws:
            md += ['', '| workload | figure | median (min..max) |', '|---|---|---|']
            for w in ws:
                names = sorted({n for m in b['measure'].values() for n in m.get(w, {})})
                for n in names:
                    s = stats([m[w].get(n) for m in b['measure'].values() if w in m])
                    md.append(f'| {w} | {n} | {fmt(s, 0)} |')
        if b['samples']:
            s = b['samples']
            md += ['', f'secretmem churn: DirectMap4k {s[0]["directmap4k_kB"]} -> '
                   f'{s[-1]["directmap4k_kB"]} kB, direct_map_level2_splits '
                   f'+{s[-1]["l2_splits"] - s[0]["l2_splits"]} over {s[-1]["t_ms"] / 1000:.0f} s']
    for b in boots:
        rows = consumers(b)
        sec = consumer_secret(b)
        if not rows and not sec:
            continue
        md += ['', f'## Consumer paths in one boot ({b["nodes"]} nodes, '
               f'booted with permcache.enable={int(b["enable"])})', '',
               'permcache.enable flipped at run time, enable=0 (the stock 6.12 paths) '
               'and =1 in turn, the order swapped every other run. Each figure is the '
               'median over the runs; ratios are stock time / permcache time. QEMU TCG: '
               'compare only within this table.', '']
        if rows:
            md += ['bpf_prog_pack: bpf_prog_pack_alloc() + bpf_arch_text_copy() + '
                   'bpf_prog_pack_free(), 1 thread. Text pokes are counted per op by '
                   'kprobes in an untimed pass (text_poke + text_poke_copy + '
                   'text_poke_set; __text_poke = temporary-mm switches); new text '
                   'areas = execmem_alloc() + permcache_alloc_text() calls.', '',
                   '| path | size | us/op stock | us/op permcache | stock/pc | '
                   'p50 stock/pc | text pokes/op stock | pc | __text_poke/op stock | pc | '
                   'CAL/op stock | pc | permcache flushes/op | l2 splits stock (+warm-up) | pc (+warm-up) | '
                   'new text areas/op stock | pc |',
                   '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|']
            # l2 splits: timed ops (+ set-up and warm-up), summed over runs.
            for c in rows:
                s, p = c['stock'], c['pc']
                md.append(f'| {BPF_LABEL[c["kind"]]} | {c["size"]} | '
                          f'{s["mean_ns"] / 1000:.1f} | {p["mean_ns"] / 1000:.1f} | '
                          f'{fmt(c["ratio"], 2)} | {fmt(c["p50_ratio"], 2)} | '
                          f'{num(s["pokes_per_op"])} | {num(p["pokes_per_op"])} | '
                          f'{num(s["poke_mm_per_op"])} | {num(p["poke_mm_per_op"])} | '
                          f'{num(s["cal_per_op"])} | {num(p["cal_per_op"])} | '
                          f'{num(p["flushes_per_op"])} | {s["l2_splits"]} '
                          f'(+{s["warm_l2_splits"]}) | {p["l2_splits"]} '
                          f'(+{p["warm_l2_splits"]}) | {num(s["text_allocs_per_op"])} | '
                          f'{num(p["text_allocs_per_op"])} |')
        if sec:
            s, p = sec['stock'], sec['pc']
            md += ['', 'memfd_secret from userspace: `pcwork secret-loop` (one file of '
                   '256 pages, each written once, then munmap and close, in a loop); '
                   'time per fault is the loop\'s wall time / faults, so it includes '
                   'the free of each page and the file\'s create/mmap/munmap/close '
                   '(1/256 per fault).', '',
                   '| path | faults | us per fault+free | CAL/1000 | TLB/1000 | '
                   'kernel IPIs (CAL-TLB)/1000 | permcache flushes/1000 | l2 splits | '
                   'DirectMap4k delta kB |', '|---|---|---|---|---|---|---|---|---|']
            for name, d in (('stock (enable=0)', s), ('permcache (enable=1)', p)):
                md.append(f'| {name} | {d["faults"]} | {d["ns_per_fault"] / 1000:.2f} | '
                          f'{d["cal_per_1000"]:.1f} | {d["tlb_per_1000"]:.1f} | '
                          f'{d["kernel_ipis_per_1000"]:.1f} | {d["flushes_per_1000"]:.1f} | '
                          f'{d["l2_splits"]} | {d["directmap4k_kB"]} |')
            md += ['', f'stock / permcache time per fault: {fmt(sec["ratio"], 2)}x '
                   f'({sec["runs"]} run(s))']
    md += ['', '## Plots', '']
    md += [f'![{p}]({p})' for p in pngs]
    return '\n'.join(md) + '\n'


README_BEGIN = '<!-- bench results: written by bench/report.py --readme -->'
README_END = '<!-- end of bench results -->'


def readme(path, tgts, pngs, stem, out):
    """Put the targets table and one plot between README's markers."""
    text = open(path).read()
    if README_BEGIN not in text or README_END not in text:
        sys.exit(f'report: {path} has no bench results markers')
    rel = os.path.relpath(out, os.path.dirname(os.path.abspath(path)))
    block = [README_BEGIN, '',
             f'Latest run, {stem}: [{rel}/{stem}.md]({rel}/{stem}.md) has every figure, '
             'the reasons for missed targets and the other plots.', '',
             '| target | goal | measured | met |', '|---|---|---|---|']
    for t in tgts:
        met = 'report' if t['met'] is None else ('met' if t['met'] else '**missed**')
        block.append(f'| {t["target"]} | {t["goal"]} | {t["measured"]} | {met} |')
    plot = f'{stem}-shootdowns.png'
    if plot in pngs:
        block += ['', f'![kernel TLB shootdowns per 1000 operations]({rel}/{plot})']
    block += ['', README_END]
    head, rest = text.split(README_BEGIN, 1)
    tail = rest.split(README_END, 1)[1]
    with open(path, 'w') as f:
        f.write(head + '\n'.join(block) + tail)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', required=True)
    ap.add_argument('--date', default=datetime.date.today().isoformat())
    ap.add_argument('--note', action='append', default=[],
                    help='a paragraph for the report (how it was run)')
    ap.add_argument('--readme', help='README to put the targets table and a plot in')
    ap.add_argument('logs', nargs='+')
    args = ap.parse_args()

    boots = [parse_log(p) for p in args.logs if os.path.exists(p)]
    boots = [b for b in boots if b['nodes']]
    if not boots:
        sys.exit('report: no benchmark output in the logs')
    os.makedirs(args.out, exist_ok=True)
    stem = args.date
    tgts = targets(boots)
    pngs = plots(boots, args.out, stem)
    data = {'date': stem, 'targets': tgts,
            'boots': [{k: b[k] for k in ('log', 'nodes', 'cpus', 'enable', 'done', 'info',
                                         'errors', 'measure', 'samples', 'pcstats')}
                      | {'aggregate': aggregate(b), 'results': b['results'],
                         'consumers': consumers(b), 'secret_faults': consumer_secret(b)}
                      for b in boots]}
    with open(os.path.join(args.out, f'{stem}.json'), 'w') as f:
        json.dump(data, f, separators=(',', ':'))
    with open(os.path.join(args.out, f'{stem}.md'), 'w') as f:
        f.write(markdown(boots, tgts, pngs, stem, args))
    if args.readme:
        readme(args.readme, tgts, pngs, stem, args.out)

    print()
    print(f'permcache benchmark {stem}: {os.path.relpath(args.out)}/{stem}.md, .json, '
          f'{len(pngs)} plots')
    print(f'{"target":<72} {"goal":>8}  {"result":<8} measured')
    missed = 0
    for t in tgts:
        res = 'report' if t['met'] is None else ('met' if t['met'] else 'MISSED')
        missed += t['met'] is False
        print(f'{t["target"][:72]:<72} {t["goal"][:8]:>8}  {res:<8} {t["measured"]}')
        if t['reason']:
            print(f'{"":<82} reason: {t["reason"]}')
    met = sum(t['met'] is True for t in tgts)
    print(f'{met} met, {missed} missed, {len(tgts) - met - missed} reported only')


if __name__ == '__main__':
    main()
