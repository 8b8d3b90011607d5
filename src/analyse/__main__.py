"""Permet « python -m analyse … » (identique à la commande « analyse »)."""

import sys

from analyse.cli import main

sys.exit(main())
