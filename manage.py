#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tsunagu.config.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:
        # A missing or invalid environment variable: say which, without a traceback to read through.
        sys.stderr.write(f"設定エラー (configuration error): {exc}\n")
        sys.exit(1)


if __name__ == "__main__":
    main()
