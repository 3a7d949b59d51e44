"""Build the addon's wheel (odoo-addon-helpdesk_lite, OCA's whool backend), list it, check it is complete.

Usage: python scripts/check_wheel.py [OUT_DIR]. The files git tracks (plus new, not ignored ones) are
copied into a folder named ``helpdesk_lite`` (whool names the addon after its folder, and a clone may
be called anything), built with ``pip wheel --no-build-isolation`` (whool and wheel come from
requirements-dev.txt), then the wheel must hold the manifest, every data/demo file it lists, the assets
and the translations under ``odoo/addons/helpdesk_lite/``, and depend on Odoo 18 only.
Exits 1 when something is missing, 2 when the build fails.
"""
import ast
import re
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PREFIX = 'odoo/addons/helpdesk_lite/'


def tracked_files():
    out = subprocess.check_output(
        ['git', 'ls-files', '--cached', '--others', '--exclude-standard', '-z'], cwd=REPO)
    return [name for name in out.decode().split('\0') if name and (REPO / name).is_file()]


def main(out_dir):
    manifest = ast.literal_eval((REPO / '__manifest__.py').read_text())
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / 'helpdesk_lite'
        for name in tracked_files():
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, src / name)
        build = subprocess.run(
            [sys.executable, '-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation',
             '--disable-pip-version-check', '-q', '-w', str(out_dir), str(src)],
            # the copy may sit inside this repository (TMPDIR under .local/): keep git from finding it
            capture_output=True, text=True, env=dict(os.environ, GIT_CEILING_DIRECTORIES=tmp))
        if build.returncode:
            print(build.stdout, build.stderr, sep='\n')
            print('FAILED: the wheel does not build')
            return 2
    wheels = sorted(Path(out_dir).glob('odoo_addon_helpdesk_lite-*.whl'))
    if not wheels:
        print(f'FAILED: no odoo_addon_helpdesk_lite wheel in {out_dir}')
        return 2
    wheel = wheels[-1]
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = next(archive.read(n).decode() for n in names if n.endswith('.dist-info/METADATA'))
    addon_files = sorted(n[len(PREFIX):] for n in names if n.startswith(PREFIX))
    print(f'{wheel.name}: {len(names)} files')
    for name in names:
        print('  ', name)
    missing = sorted(expected_files(manifest) - set(addon_files))
    requires = [line for line in metadata.splitlines() if line.startswith('Requires-Dist:')]
    problems = [f'missing from the wheel: {name}' for name in missing]
    if [re.split(r'[\s<>=!~;]', r.split(':', 1)[1].strip())[0] for r in requires] != ['odoo']:
        problems.append(f'dependencies other than Odoo: {requires}')
    for problem in problems:
        print('FAILED:', problem)
    if not problems:
        print(f'wheel ok: {len(addon_files)} addon files, {requires[0]}')
    return 1 if problems else 0


def expected_files(manifest):
    # the manifest lists assets relative to the addons folder: resolve them against this repo
    expected = {'__manifest__.py', '__init__.py', 'static/description/icon.png',
                'i18n/helpdesk_lite.pot', 'i18n/fr.po'}
    expected.update(manifest.get('data', []) + manifest.get('demo', []))
    for bundle in manifest.get('assets', {}).values():
        for pattern in bundle:
            if isinstance(pattern, str) and pattern.startswith('helpdesk_lite/'):
                local = pattern[len('helpdesk_lite/'):]
                expected.update(str(Path(p).relative_to(REPO)) for p in glob.glob(str(REPO / local), recursive=True))
    return expected


if __name__ == '__main__':
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix='hdl_wheel_'))))
