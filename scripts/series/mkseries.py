#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
#
# mkseries.py - build the permcache series as commits on the pristine tree
# and write it with git format-patch (run by scripts/series.sh).
#
#   mkseries.py ROOT REPO OUTDIR NAME EMAIL
#
# ROOT is the project, REPO the bare repository of the pristine tree
# (scripts/series-base.sh, tag "pristine"), OUTDIR the folder the patches
# go to (emptied of *.patch first).  The commits are built with a private
# index (git apply --cached, git update-index): no work tree is checked
# out.  Every file comes from the project as it is now; the steps and
# commit messages come from scripts/series/plan and its *.msg files, or
# from the headers of patches/*.patch.  Author and committer are NAME
# <EMAIL>, the date that of the project's last commit, so that the same
# project state gives the same series.
#
import atexit
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap

ROOT, REPO, OUT, NAME, EMAIL = sys.argv[1:6]
SERIES_DIR = os.path.join(ROOT, 'scripts', 'series')
IDENT = f'{NAME} <{EMAIL}>'


def die(msg):
    print(f'error: {msg}', file=sys.stderr)
    sys.exit(1)


def read(path):
    with open(path, encoding='utf-8') as f:
        return f.read()


# --- git, on REPO with a private index ---------------------------------
WORK = tempfile.mkdtemp(prefix='series-index.', dir=os.path.dirname(REPO))
atexit.register(shutil.rmtree, WORK, True)
ENV = dict(os.environ, GIT_DIR=REPO, GIT_INDEX_FILE=os.path.join(WORK, 'index'),
           LC_ALL='C')
for k in ('GIT_WORK_TREE', 'GIT_CONFIG_PARAMETERS'):
    ENV.pop(k, None)


def git(*args, inp=None, env=None, check=True):
    p = subprocess.run(['git', *args], input=inp, capture_output=True,
                       text=True, env=env or ENV)
    if check and p.returncode:
        die(f'git {" ".join(args)}: {p.stderr.strip()}')
    return p.stdout


def blob(path):
    """Text of PATH in the index, or None."""
    p = subprocess.run(['git', 'cat-file', 'blob', f':{path}'],
                       capture_output=True, text=True, env=ENV)
    return p.stdout if p.returncode == 0 else None


def put(path, text):
    sha = git('hash-object', '-w', '--stdin', inp=text).strip()
    git('update-index', '--add', '--cacheinfo', f'100644,{sha},{path}')


# --- where a project file goes in the tree (scripts/overlay.sh) --------
def tree_path(p):
    if p in ('Kconfig', 'Kbuild') or p.split('/')[0] in ('mm', 'numa', 'shrinker', 'bench'):
        return 'mm/permcache/' + p
    return p


def project_kernel_files():
    """Every file overlay.sh puts in the tree, and Documentation/."""
    found = set()
    for top in ('arch', 'mm', 'numa', 'shrinker', 'Documentation'):
        for d, dirs, files in os.walk(os.path.join(ROOT, top)):
            dirs[:] = [x for x in dirs if not x.startswith('.')]
            for f in files:
                if f.startswith('.') or f.endswith(('~', '.o')):
                    continue
                found.add(os.path.relpath(os.path.join(d, f), ROOT))
    for f in os.listdir(os.path.join(ROOT, 'bench')):
        if f.endswith('.c'):
            found.add('bench/' + f)
    if os.path.exists(os.path.join(ROOT, 'include/linux/permcache.h')):
        found.add('include/linux/permcache.h')
    return found


# --- the plan ----------------------------------------------------------
steps = []
for n, line in enumerate(read(os.path.join(SERIES_DIR, 'plan')).splitlines(), 1):
    line = line.split('#', 1)[0].split()
    if not line:
        continue
    kind, args = line[0], line[1:]
    if kind == 'patch' and len(args) == 1:
        steps.append(('patch', args[0], []))
    elif kind in ('files', 'docs') and len(args) >= 2:
        steps.append((kind, args[0], args[1:]))
    elif kind == 'maintainers' and len(args) == 1:
        steps.append((kind, args[0], []))
    else:
        die(f'scripts/series/plan:{n}: cannot read "{" ".join(line)}"')

planned_files = [f for k, _, fs in steps for f in fs]
planned_patches = [a for k, a, _ in steps if k == 'patch']
want_files = project_kernel_files()
problems = []
for f in sorted(want_files - set(planned_files)):
    problems.append(f'{f} is in no step')
for f in sorted(set(planned_files)):
    if planned_files.count(f) > 1:
        problems.append(f'{f} is in {planned_files.count(f)} steps')
    if f not in want_files:
        problems.append(f'{f} is not a kernel file of the project')
series = [l.split('#', 1)[0].strip()
          for l in read(os.path.join(ROOT, 'patches', 'series')).splitlines()]
series = [s for s in series if s]
for p in series:
    if planned_patches.count(p) != 1:
        problems.append(f'patches/{p} is in {planned_patches.count(p)} steps')
for p in planned_patches:
    if p not in series:
        problems.append(f'{p} is not in patches/series')
for k, a, _ in steps:
    if k != 'patch' and not os.path.exists(os.path.join(SERIES_DIR, a)):
        problems.append(f'scripts/series/{a} missing')
if problems:
    die('scripts/series/plan does not match the project:\n  ' + '\n  '.join(problems))


# --- Kbuild and Kconfig of the files added so far ----------------------
def kbuild_subset(text, present):
    """The Kbuild with only the objects whose sources are present; a
    statement that keeps all its objects is kept as written."""
    out = []
    enabled = set()
    for para in text.rstrip('\n').split('\n\n'):
        joined = para.replace('\\\n', ' ')
        m = re.match(r'(obj-\$\((CONFIG_\w+)\)\s*\+=)\s*(.*)', joined, re.S)
        if not m:
            out.append(para)
            continue
        objs = m.group(3).split()
        keep = [o for o in objs if o[:-2] + '.c' in present]
        if not keep:
            continue
        enabled.add(m.group(2))
        if keep == objs:
            out.append(para)
            continue
        lines = para.split('\n')
        indent = re.match(r'\s*', lines[1]).group(0) if len(lines) > 1 else '\t\t\t'
        head = m.group(1) + ' '
        width = len(head.expandtabs(8))
        cur, rows = head, []
        for o in keep:
            if cur not in (head, indent) and len((cur + o).expandtabs(8)) > 77:
                rows.append(cur.rstrip() + ' \\')
                cur = indent
            cur += o + ' '
        rows.append(cur.rstrip())
        out.append('\n'.join(rows))
    return '\n\n'.join(out) + '\n', enabled


def kconfig_subset(text, enabled):
    """The Kconfig with only the config blocks whose objects are built."""
    parts = re.split(r'(?m)^(?=config \w)', text)
    out = [parts[0]]
    for block in parts[1:]:
        sym = 'CONFIG_' + block.split()[1]
        if sym in enabled:
            out.append(block)
    return ''.join(out).rstrip('\n') + '\n'


ARCH_FILE = 'arch/x86/mm/permcache.c'


def hook_arch():
    """arch/x86/mm/Makefile builds the arch boundary, as overlay.sh hooks it."""
    mk = blob('arch/x86/mm/Makefile')
    line = 'obj-$(CONFIG_PERMCACHE)\t\t+= permcache.o'
    if line not in mk.splitlines():
        put('arch/x86/mm/Makefile', mk + line + '\n')


def hook_mm(first):
    mk = blob('mm/Makefile')
    line = 'obj-$(CONFIG_PERMCACHE) += permcache/'
    if line not in mk.splitlines():
        put('mm/Makefile', mk + line + '\n')
    kc = blob('mm/Kconfig')
    src = 'source "mm/permcache/Kconfig"'
    if src not in kc.splitlines():
        lines = kc.rstrip('\n').split('\n')
        if lines[-1] != 'endmenu':
            die('mm/Kconfig does not end with "endmenu"')
        lines.insert(len(lines) - 1, src)
        put('mm/Kconfig', '\n'.join(lines) + '\n')


def toctree_add(index_path, name):
    """Add NAME to the last toctree of INDEX_PATH, in alphabetical place."""
    text = blob(index_path)
    if text is None:
        die(f'{index_path} not in the tree')
    lines = text.split('\n')
    start = max(i for i, l in enumerate(lines) if l.startswith('.. toctree::'))
    i = start + 1
    while i < len(lines) and (lines[i].strip().startswith(':') or not lines[i].strip()):
        i += 1
    pos = None
    while i < len(lines) and lines[i].startswith('   ') and lines[i].strip():
        if pos is None and lines[i].strip().lower() > name.lower():
            pos = i
        i += 1
    lines.insert(pos if pos is not None else i, '   ' + name)
    put(index_path, '\n'.join(lines))


def maintainers_add(files):
    text = blob('MAINTAINERS')
    lines = text.split('\n')
    title = 'PERMCACHE (PER-NODE CACHES OF PERMISSIONED MEMORY)'
    fl = set()
    for f in files:
        fl.add('mm/permcache/' if f.startswith('mm/permcache/') else f)
    entry = [title, f'M:\t{IDENT}', 'L:\tlinux-mm@kvack.org', 'S:\tMaintained']
    entry += [f'F:\t{f}' for f in sorted(fl)]
    field = re.compile(r'^[A-Z]:\t')
    first = lines.index('Maintainers List') if 'Maintainers List' in lines else 0
    pos = None
    for i in range(first + 1, len(lines) - 1):
        if (lines[i] and not lines[i - 1] and not field.match(lines[i])
                and field.match(lines[i + 1]) and lines[i].upper() > title):
            pos = i
            break
    if pos is None:
        die('no place for the permcache entry in MAINTAINERS')
    lines[pos:pos] = entry + ['']
    put('MAINTAINERS', '\n'.join(lines))


# --- commit messages ---------------------------------------------------
def patch_message(path):
    """Subject and body of a patch's header, its Signed-off-by dropped."""
    text = read(path)
    head = text.split('\n---\n', 1)[0]
    hdr, _, body = head.partition('\n\n')
    subject = None
    for m in re.finditer(r'(?m)^Subject: (.*(?:\n[ \t].*)*)', hdr):
        subject = ' '.join(m.group(1).split())
    if not subject:
        die(f'{path}: no Subject:')
    subject = re.sub(r'^\[[^\]]*\]\s*', '', subject)
    body = '\n'.join(l for l in body.split('\n')
                     if not l.startswith('Signed-off-by:')).strip('\n')
    return subject, body


def msg_file(name):
    text = read(os.path.join(SERIES_DIR, name)).strip('\n')
    subject, _, body = text.partition('\n')
    return subject.strip(), body.strip('\n')


def commit(parent, subject, body, date):
    msg = subject + '\n\n' + (body + '\n\n' if body else '') + f'Signed-off-by: {IDENT}\n'
    tree = git('write-tree').strip()
    env = dict(ENV, GIT_AUTHOR_NAME=NAME, GIT_AUTHOR_EMAIL=EMAIL,
               GIT_COMMITTER_NAME=NAME, GIT_COMMITTER_EMAIL=EMAIL,
               GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    return git('commit-tree', tree, '-p', parent, '-F', '-', inp=msg, env=env).strip()


# --- build ---------------------------------------------------------------
p = subprocess.run(['git', '-C', ROOT, 'log', '-1', '--format=%aI'],
                   capture_output=True, text=True)
DATE = p.stdout.strip() if p.returncode == 0 else ''
if not DATE:  # not a git checkout: now
    DATE = subprocess.run(['date', '-R'], capture_output=True, text=True).stdout.strip()

base = git('rev-parse', 'pristine^{commit}').strip()
git('read-tree', base)
head = base
present = set()
hooked = False
for kind, arg, files in steps:
    if kind == 'patch':
        path = os.path.join(ROOT, 'patches', arg)
        p = subprocess.run(['git', 'apply', '--cached', '-p1', path],
                           capture_output=True, text=True, env=ENV)
        if p.returncode:
            die(f'patches/{arg} does not apply at its place in the series:\n{p.stderr}')
        subject, body = patch_message(path)
    else:
        for f in files:
            put(tree_path(f), read(os.path.join(ROOT, f)))
            present.add(f)
        if kind == 'files':
            kb, enabled = kbuild_subset(read(os.path.join(ROOT, 'Kbuild')), present)
            put('mm/permcache/Kbuild', kb)
            put('mm/permcache/Kconfig', kconfig_subset(read(os.path.join(ROOT, 'Kconfig')), enabled))
            if not hooked:
                hook_mm(True)
                hooked = True
            if ARCH_FILE in files:
                hook_arch()
        elif kind == 'docs':
            for f in files:
                d, fn = os.path.split(f)
                toctree_add(d + '/index.rst', os.path.splitext(fn)[0])
        elif kind == 'maintainers':
            maintainers_add(sorted(tree_path(f) for f in present | {'Kconfig', 'Kbuild'}))
        subject, body = msg_file(arg)
    head = commit(head, subject, body, DATE)

# The last state of Kbuild and Kconfig must be the project's own.
for f in ('Kbuild', 'Kconfig'):
    if blob('mm/permcache/' + f) != read(os.path.join(ROOT, f)):
        die(f'the series ends with a {f} that is not the project\'s: a file it builds is in no step')

git('update-ref', 'refs/heads/series', head)
os.makedirs(OUT, exist_ok=True)
for f in os.listdir(OUT):
    if f.endswith('.patch'):
        os.unlink(os.path.join(OUT, f))
out = git('-c', 'diff.noprefix=false',
          '-c', 'format.coverletter=false',
          'format-patch', '--cover-letter', '--numbered', '--no-renames',
          '--subject-prefix=PATCH', '-o', OUT, f'{base}..{head}').split()

# --- the cover letter --------------------------------------------------
readme = read(os.path.join(ROOT, 'README.md'))
m = re.search(r'<!-- bench results:.*?-->\n(.*?)<!-- end of bench results -->', readme, re.S)
if not m:
    die('README.md has no bench results section to quote')
section = m.group(1)
dm = re.search(r'Latest run, (\d{4}-\d\d-\d\d)', section)
rows = [l for l in section.split('\n') if l.startswith('|') and not re.match(r'\|[-| ]+\|$', l)]
if not dm or not rows:
    die('README.md bench results: no date or no table')
cells = [[c.strip().replace('**', '') for c in r.strip('|').split('|')] for r in rows]
table = []
for c in cells:
    target, goal, measured, met = c[:4]
    table.append(textwrap.fill(target, 72, initial_indent='  ', subsequent_indent='  ')
                 if c is cells[0] else
                 textwrap.fill(f'{target}: goal {goal}, measured {measured}, {met}', 72,
                               initial_indent='  - ', subsequent_indent='    '))
table = '\n'.join(table[1:])  # the first row is the header

kver = git('log', '-1', '--format=%s', base).strip()
kver = re.sub(r'^Linux (\S+).*', r'\1', kver)
cover_tmpl = msg_file('cover.txt')
body = (cover_tmpl[1].replace('@BENCH_DATE@', dm.group(1))
        .replace('@BENCH_TABLE@', table)
        .replace('@KVERSION@', kver)
        .replace('@TARBALL@', os.path.basename(os.environ.get(
            'KTARBALL', '/usr/src/linux-source-6.12.tar.xz'))))
cl = os.path.join(OUT, '0000-cover-letter.patch')
text = read(cl)
if '*** SUBJECT HERE ***' not in text or '*** BLURB HERE ***' not in text:
    die('format-patch wrote a cover letter without its placeholders')
text = text.replace('*** SUBJECT HERE ***', cover_tmpl[0]).replace('*** BLURB HERE ***', body)
# format-patch dates the cover letter now; give it the patches' date, so
# that the same sources give the same series, byte for byte.
last = read(os.path.join(OUT, sorted(f for f in os.listdir(OUT) if f.endswith('.patch'))[-1]))
date_line = re.search(r'(?m)^Date: .*$', last).group(0)
text = re.sub(r'(?m)^Date: .*$', lambda m: date_line, text, count=1)
with open(cl, 'w', encoding='utf-8') as f:
    f.write(text)
print(len(out) - 1)
