"""Permet « python -m analyse … » (identique à la commande « analyse »)."""

import sys

from .cli import main

sys.exit(main())
