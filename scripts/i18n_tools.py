"""Translation helpers for scripts/update_pot.sh and scripts/test.sh (polib, from Odoo's runtime).

  i18n_tools.py merge POT PO...      bring each PO up to date with POT: new msgids added untranslated,
                                     vanished ones dropped, existing translations kept
  i18n_tools.py check POT FRESH      fail when the committed POT differs from FRESH (a POT exported
                                     from an installed database) in its msgids; entries that only come
                                     from demo records are ignored (the test database has demo data,
                                     the committed POT is made without)
  i18n_tools.py stats PO...          translated / total per file
"""
import ast
import sys
from pathlib import Path

import polib
from lxml import etree

REPO = Path(__file__).resolve().parent.parent


def xml_ids(paths):
    ids = set()
    for path in paths:
        for node in etree.parse(str(path)).iter():
            if isinstance(node.tag, str) and node.get('id'):
                ids.add(node.get('id').split('.')[-1])
    return ids


def demo_xmlids():
    """Records created by demo files only (demo data may also extend records of the data files)."""
    manifest = ast.literal_eval((REPO / '__manifest__.py').read_text())
    def files(key):
        return [REPO / name for name in manifest.get(key, []) if name.endswith('.xml')]
    return xml_ids(files('demo')) - xml_ids(files('data'))


def is_demo_only(entry, demo_ids):
    refs = [ref for ref, _line in entry.occurrences]
    return bool(refs) and all(ref.startswith('model') and ref.rsplit('.', 1)[-1] in demo_ids for ref in refs)


def key(entry):
    return (entry.msgctxt or '', entry.msgid)


def check(pot_path, fresh_path):
    if not Path(pot_path).exists():
        print(f'FAILED: {pot_path} is missing; run scripts/update_pot.sh')
        return 1
    demo_ids = demo_xmlids()
    committed = {key(e) for e in polib.pofile(pot_path)}
    fresh = {key(e) for e in polib.pofile(fresh_path) if not is_demo_only(e, demo_ids)}
    missing, stale = sorted(fresh - committed), sorted(committed - fresh)
    for label, keys in (('not in the .pot', missing), ('no longer in the code', stale)):
        for _ctx, msgid in keys[:10]:
            print(f'  {label}: {msgid[:100]!r}')
    if missing or stale:
        print(f'FAILED: i18n/helpdesk_lite.pot is stale ({len(missing)} new, {len(stale)} gone): '
              'run scripts/update_pot.sh')
        return 1
    print(f'pot ok: {len(committed)} msgids')
    return 0


def merge(pot_path, po_paths):
    pot = polib.pofile(pot_path)
    for po_path in po_paths:
        po = polib.pofile(po_path)
        old = {key(e): e for e in po}
        merged = polib.POFile(wrapwidth=78)
        merged.metadata = po.metadata
        merged.header = po.header
        for template in pot:
            entry = polib.POEntry(msgid=template.msgid, msgctxt=template.msgctxt,
                                  occurrences=template.occurrences, comment=template.comment,
                                  flags=[f for f in template.flags if f != 'fuzzy'])
            previous = old.get(key(template))
            if previous and previous.msgstr:
                entry.msgstr = previous.msgstr
            merged.append(entry)
        merged.save(po_path)
        print(f'{po_path}: {len(merged.translated_entries())}/{len(merged)} translated')
    return 0


def stats(po_paths):
    for po_path in po_paths:
        po = polib.pofile(po_path)
        print(f'{po_path}: {len(po.translated_entries())}/{len([e for e in po if not e.obsolete])} translated')
    return 0


if __name__ == '__main__':
    command, args = sys.argv[1], sys.argv[2:]
    if command == 'check':
        sys.exit(check(*args))
    if command == 'merge':
        sys.exit(merge(args[0], args[1:]))
    sys.exit(stats(args))
