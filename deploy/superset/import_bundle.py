"""Import the msdw bundle into Superset, replacing what an earlier import made. Run in Superset's environment:

    python import_bundle.py --path msdw_dashboard.zip --username admin

`superset import-dashboards` replaces the dashboard but keeps a database, dataset or chart it already has, so a
restart after an upgrade would show the old charts. Superset's assets import (the command behind
``POST /api/v1/assets/import/``, meant for assets kept under source control) replaces each of them; the bundle's
UUIDs are stable, so it updates them in place. The bundle stays a dashboard export, which Superset's UI imports too.
"""

from __future__ import annotations

import argparse
import sys
import zipfile

import yaml


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--path", required=True, help="the bundle ZIP built by bundle.py")
    parser.add_argument("--username", required=True, help="the Superset user who owns what is imported")
    args = parser.parse_args(argv)

    from superset.app import create_app

    app = create_app()
    with app.app_context():
        from superset import security_manager
        from superset.commands.importers.v1.assets import ImportAssetsCommand
        from superset.commands.importers.v1.utils import METADATA_FILE_NAME, get_contents_from_bundle
        from superset.utils.core import override_user

        user = security_manager.find_user(username=args.username)
        if user is None:
            parser.exit(2, f"error: no Superset user {args.username!r}: create it first (superset fab create-admin)\n")
        with zipfile.ZipFile(args.path) as bundle:
            contents = get_contents_from_bundle(bundle)
        metadata = yaml.safe_load(contents[METADATA_FILE_NAME])
        contents[METADATA_FILE_NAME] = yaml.safe_dump(metadata | {"type": "assets"})
        with override_user(user):
            ImportAssetsCommand(contents).run()
    print(f"imported {args.path}: {sum(name.startswith('charts/') for name in contents)} charts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
